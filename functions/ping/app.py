"""Public ping endpoint: GET, POST or HEAD on /api/v1/heartbeat/{token}[/start|/fail|/log|/{0-255}]
(and the Healthchecks-compatible /ping/...), or by slug: /ping/{ping key}/{slug}[/...], each with or
without a trailing slash. No auth: the token, or the ping key, is the secret.

API Gateway has already routed the request (template.yaml declares its paths), so the handler
reads the two path parameters from Powertools' event data class rather than routing again: the
event-handler router would add about a third to this function's cold start (see bench/).
"""

from __future__ import annotations

import uuid

import deps
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.domain.errors import (
    Ambiguous,
    Contention,
    InvalidInput,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    Unavailable,
)
from heartbeat.domain.model import Ping, PingKind
from heartbeat.domain.quorum import check_instance
from heartbeat.domain.ratelimit import MonitorRateLimit
from heartbeat.domain.tokens import is_token
from heartbeat.usecases.pings import RulesCache, monitor_by_slug, monitor_by_token, record_ping
from heartbeat.web import body_bytes, error_json

logger = Logger(service="heartbeat-ping")
rules_cache = RulesCache()  # lives as long as this warm Lambda
rate_limit = MonitorRateLimit(deps.settings.monitor_ping_rate, deps.settings.monitor_ping_burst)  # and so does this

# Healthchecks' headers: never cached, callable from a browser, and the body limit is announced.
HEADERS = {
    "Cache-Control": "no-cache, no-store",  # no-cache too: what Healthchecks sends, and its clients check
    "Access-Control-Allow-Origin": "*",
    "Ping-Body-Limit": str(deps.settings.max_ping_body_bytes),
}
ACTIONS = {None: PingKind.SUCCESS, "start": PingKind.START, "fail": PingKind.FAIL, "log": PingKind.LOG}
METHODS = {"GET", "POST", "HEAD"}


# Every error a ping can get, mapped once. Unknown and malformed tokens get the same 404.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    InvalidInput: (400, "invalid_input"),  # the code names the field: invalid_exit_status, invalid_rid
    MalformedBody: (400, "invalid_body"),  # marked base64 by API Gateway but not
    MethodNotAllowed: (405, "method_not_allowed"),
    Ambiguous: (409, "ambiguous_slug"),
    Contention: (503, "busy"),
    RateLimited: (429, "rate_limited"),  # one monitor pinged past its limit; its neighbours are not
}


def response(status: int, body: str, content_type: str = "text/plain") -> dict:
    return {"statusCode": status, "headers": {**HEADERS, "Content-Type": content_type}, "body": body}


# The path parameters each depth of a ping path has: /<token>[/<action>] or /<key>/<slug>/<action>.
DEPTHS = {1: ("token",), 2: ("token", "action"), 3: ("token", "slug", "action")}


def with_slash(params: dict[str, str], path: str) -> dict[str, str]:
    """The parameters of a path one of the routes names, from the greedy route that takes it with a
    trailing slash (/ping/<uuid>/). Anything else there (an empty segment, one too many) is not found."""
    if "proxy" not in params:
        return params
    proxy = params["proxy"]
    deepest = 2 if path.startswith("/api/") else 3  # the native path has no /<key>/<slug>/<action>
    segments = proxy.removesuffix("/").split("/") if proxy.endswith("/") else []
    if not 1 <= len(segments) <= deepest or not all(segments):
        raise NotFound("no such path")
    return dict(zip(DEPTHS[len(segments)], segments, strict=True))


def read_address(params: dict[str, str]) -> tuple[str, tuple[str, str] | None, str | None]:
    """(token, (ping key, slug) or None, action) from /<token>[/<action>] or /<key>/<slug>[/<action>]."""
    first = params.get("token", "")
    if "slug" in params:
        return first, (first, params["slug"]), params.get("action")
    if is_token(first) or "action" not in params:
        return first, None, params.get("action")
    return first, (first, params["action"]), None


def read_action(action: str | None) -> tuple[PingKind, int | None]:
    if action in ACTIONS:
        return ACTIONS[action], None
    if action and action.isdigit():
        status = int(action)
        if status > 255 or len(action) > 3:
            raise InvalidInput("exit_status", "must be between 0 and 255")
        return (PingKind.SUCCESS if status == 0 else PingKind.FAIL), status
    raise NotFound("no such action")


def read_rid(event: APIGatewayProxyEventV2) -> str | None:
    """`?rid=`: a UUID that pairs a run's start and finish when runs overlap."""
    rid = (event.query_string_parameters or {}).get("rid")
    if rid is None:
        return None
    try:
        return str(uuid.UUID(rid))  # canonical form, so one run is one key however it is written
    except ValueError:
        raise InvalidInput("rid", "must be a UUID, such as the output of uuidgen") from None


def read_instance(event: APIGatewayProxyEventV2) -> str | None:
    """`?instance=` (or the `Heartbeat-Instance` header): which host of a quorum sent the ping. Empty in
    either is no name, as a script's unset variable gives: the ping counts, as the `default` instance."""
    name = (event.query_string_parameters or {}).get("instance") or event.headers.get("heartbeat-instance")
    return check_instance(name) if name else None


def read_ping(event: APIGatewayProxyEventV2, kind: PingKind, exit_status: int | None) -> Ping:
    body = body_bytes(event.get("body"), event.is_base64_encoded)
    limit = deps.settings.max_ping_body_bytes
    http = event.request_context.http
    return Ping(
        kind=kind,
        method=http.method,
        source_ip=http.source_ip,
        user_agent=(http.user_agent or "")[:512],
        body=body[:limit],
        body_truncated=len(body) > limit,
        body_size=len(body),
        exit_status=exit_status,
        rid=read_rid(event),
        instance=read_instance(event),
    )


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayProxyEventV2)
def lambda_handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict:
    params = event.path_parameters or {}
    try:
        if event.request_context.http.method not in METHODS:
            raise MethodNotAllowed("use GET, POST or HEAD")
        token, by_slug, action = read_address(with_slash(params, event.raw_path))
        kind, exit_status = read_action(action)
        ping = read_ping(event, kind, exit_status)
        created = False
        address = monitor_by_token(token) if by_slug is None else "/".join(by_slug)
        if kind is not PingKind.FAIL:  # a failure report always gets through
            rate_limit.check(address)  # before any read: a refused ping costs no DynamoDB call
        if by_slug is None:
            monitor_id = address
        else:
            create = (event.query_string_parameters or {}).get("create") == "1"
            monitor_id, created = monitor_by_slug(deps.store, *by_slug, create, deps.now_ms())
            if created:
                logger.info("monitor created by ping", monitor_id=monitor_id)
        record_ping(deps.store, deps.publisher, monitor_id, ping, deps.now_ms(), rules_cache)
    except tuple(ERRORS) as e:
        status, code = ERRORS[type(e)]
        if isinstance(e, InvalidInput):
            code = f"invalid_{e.field}"
        message = "not found" if status == 404 else str(e)
        return error_response(status, code, message)
    except Unavailable as e:
        # DynamoDB throttled or failed past botocore's own retries: the ping was not recorded, and
        # the job must not hear OK. 503 with Retry-After is what `curl --retry` tries again on.
        logger.error("ping not recorded", aws_error=e.code)
        return error_response(503, "unavailable", "the ping was not recorded; try again")
    return response(201, "Created") if created else response(200, "OK")


def error_response(status: int, code: str, message: str) -> dict:
    reply = response(status, error_json(code, message), "application/json")
    if status in (429, 503):  # what `curl --retry` waits for before it tries again
        reply["headers"]["Retry-After"] = "1"
    return reply
