"""Management API (API key): monitors, their pings and incidents."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.clock import now_ms
from heartbeat.delivery import DeadLetters, Notifier
from heartbeat.domain import badges
from heartbeat.domain.errors import Contention, Forbidden, InvalidInput, LostRace, NotFound, Unauthorized, Unavailable
from heartbeat.domain.monitors import matching
from heartbeat.schemas import (
    ApplyDocument,
    ApplyOut,
    BadgeKeyOut,
    ErrorOut,
    ExportOut,
    FailedAlertPage,
    IncidentPage,
    KeyCreate,
    KeyCreatedOut,
    KeyPage,
    MonitorCreate,
    MonitorOut,
    MonitorPage,
    MonitorPatch,
    PingKeyOut,
    PingPage,
    RetryOut,
    ShieldsOut,
    SubscriptionCreate,
    SubscriptionOut,
    SubscriptionPage,
    TestAlertOut,
    UptimeOut,
    change_json,
    dead_letter_json,
    declared,
    declared_subscriptions,
    export_json,
    filter_of,
    incident_json,
    key_json,
    monitor_json,
    monitor_settings,
    parse_since,
    ping_json,
    retry_json,
    subscription_change_json,
    subscription_json,
    target_of,
    unique,
    uptime_json,
)
from heartbeat.settings import Settings
from heartbeat.store import Store
from heartbeat.subscriptions import Delivery, FileSync, Subscriptions
from heartbeat.usecases import apply, deployment_keys, monitors
from heartbeat.usecases.deployment_keys import BADGE_KEY, PING_KEY
from heartbeat.usecases.keys import KeyRing, secret_from

settings = Settings.from_env()
logger = Logger(service="heartbeat-api")
store = Store.from_settings(settings, boto3.client("dynamodb"))
keyring = KeyRing(store, secret_from(boto3.client("secretsmanager"), settings.api_key_secret_arn))
app = APIGatewayHttpResolver(enable_validation=True)

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]
StatusName = Literal["new", "up", "grace", "down", "paused", "started"]


# A synchronous Lambda request is capped at 6 MB; refuse clearly well before API Gateway or Lambda do.
MAX_BODY_BYTES = 5_000_000


def require_key(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[dict]:
    path = app.current_event.path
    if path in PUBLIC or path.startswith(KEY_IN_PATH):
        return next_middleware(app)  # the API's description is no secret; badges and metrics carry their key
    role = keyring.authenticate(app.current_event.headers or {})
    if role != "admin" and app.current_event.http_method != "GET":
        raise Forbidden("this API key may only read")
    app.append_context(role=role)
    return next_middleware(app)


def require_admin() -> None:
    if app.context.get("role") != "admin":
        raise Forbidden("this needs an admin API key")


app.use(middlewares=[require_key])


def ping_base() -> str:
    """Where pings reach this deployment: the host the caller used, so links work behind any domain."""
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    scheme = headers.get("x-forwarded-proto", "https")
    return f"{scheme}://{event.request_context.domain_name}"


def ping_urls() -> str | None:
    """Where ping URLs start, for an admin key; None for a read key, which must never see a token
    (whoever holds one can keep the monitor quiet)."""
    return ping_base() if app.context.get("role") == "admin" else None


ERRORS = {
    400: "the body is not valid JSON",
    401: "no API key, or an unknown one",
    403: "a read-only key trying to change something, or a route for admin keys",
    404: "no such monitor, ping or route",
    409: "a concurrent change won; try again",
    413: "the request body is over 5 MB",
    422: "invalid input; `details` names each field",
}


def documented(model: type | None, status: int = 200, media: tuple[str, ...] = ("application/json",)) -> dict[int, Any]:
    """The OpenAPI description of a route's answers: `model` on success (None: no body), ErrorOut otherwise."""
    error_content = {"application/json": {"model": ErrorOut}}
    answers: dict[int, Any] = {code: {"description": text, "content": error_content} for code, text in ERRORS.items()}
    if model is None:
        answers[status] = {"description": "done; no body"}
    else:
        answers[status] = {"description": "OK", "content": {m: {"model": model} for m in media}}
    return answers


def error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response[dict]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return Response(status, "application/json", body)


def monitor_response(monitor: monitors.Monitor, status: int = 200) -> Response[dict]:
    return Response(status, "application/json", monitor_json(monitor, now_ms(), ping_urls()))


@app.post("/api/v1/monitors", responses=documented(MonitorOut, 201))
def create_monitor(spec: Annotated[MonitorCreate, Body()]) -> Response[dict]:
    monitor = monitors.create_monitor(
        store, spec.name, spec.type, now_ms(), spec.slug, tags=unique(spec.tags), **monitor_settings(spec.config)
    )
    logger.info("monitor created", monitor_id=monitor.id)
    return monitor_response(monitor, 201)


@app.get("/api/v1/monitors", responses=documented(MonitorPage))
def list_monitors(
    limit: Limit = 50,
    cursor: Cursor = None,
    tag: Annotated[list[str] | None, Query(description="repeatable: monitors with every tag given")] = None,
    status: Annotated[StatusName | None, Query()] = None,
    name: Annotated[str | None, Query(max_length=200, description="name prefix, case-insensitive")] = None,
) -> Response[dict]:
    now, base = now_ms(), ping_urls()
    keep = matching(now, tags=tag or [], status=status) if tag or status else None
    items, next_cursor = store.monitors.page(limit, cursor, name, keep)
    return Response(
        200, "application/json", {"items": [monitor_json(m, now, base) for m in items], "nextCursor": next_cursor}
    )


@app.get("/api/v1/monitors/<monitor_id>", responses=documented(MonitorOut))
def get_monitor(monitor_id: str) -> Response[dict]:
    return monitor_response(monitors.get_monitor(store, monitor_id))


@app.patch("/api/v1/monitors/<monitor_id>", responses=documented(MonitorOut))
def patch_monitor(monitor_id: str, patch: Annotated[MonitorPatch, Body()]) -> Response[dict]:
    given = monitor_settings(patch.config) if patch.config else {}
    if patch.name is not None:
        given["name"] = patch.name
    if patch.tags is not None:
        given["tags"] = unique(patch.tags)
    if patch.slug is not None:
        given["slug"] = patch.slug
    return monitor_response(monitors.update_monitor(store, monitor_id, now_ms(), **given))


@app.delete("/api/v1/monitors/<monitor_id>", responses=documented(None, 204))
def delete_monitor(monitor_id: str) -> Response[str]:
    monitors.delete_monitor(store, monitor_id)
    logger.info("monitor deleted", monitor_id=monitor_id)
    return Response(204, None, "")


@app.post("/api/v1/monitors/<monitor_id>/pause", responses=documented(MonitorOut))
def pause_monitor(monitor_id: str) -> Response[dict]:
    return monitor_response(monitors.pause_monitor(store, monitor_id, now_ms()))


@app.post("/api/v1/monitors/<monitor_id>/resume", responses=documented(MonitorOut))
def resume_monitor(monitor_id: str) -> Response[dict]:
    return monitor_response(monitors.resume_monitor(store, monitor_id, now_ms()))


@app.get("/api/v1/monitors/<monitor_id>/pings", responses=documented(PingPage))
def list_pings(monitor_id: str, limit: Limit = 50, cursor: Cursor = None) -> Response[dict]:
    monitors.get_monitor(store, monitor_id)
    items, next_cursor = store.pings.page(monitor_id, limit, cursor)
    return Response(200, "application/json", {"items": [ping_json(p) for p in items], "nextCursor": next_cursor})


@app.get(
    "/api/v1/monitors/<monitor_id>/pings/<n>/body",
    responses=documented(bytes, media=("text/plain; charset=utf-8", "application/octet-stream")),
)
def ping_body(monitor_id: str, n: str):
    """The stored body of one ping, byte for byte (cut at the body limit if it was longer).

    No return annotation on purpose: Powertools would then validate the body as JSON-able text,
    and a body need not be UTF-8.
    """
    if not n.isdigit() or len(n) > 12:
        raise NotFound(f"ping {n} not found")
    monitors.get_monitor(store, monitor_id)
    ping = store.pings.get(monitor_id, int(n)).ping
    try:
        ping.body.decode("utf-8")
        content_type = "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        content_type = "application/octet-stream"
    headers = {"X-Body-Truncated": str(ping.body_truncated).lower(), "X-Body-Size": str(ping.body_size)}
    return Response(200, content_type, ping.body, headers=headers)


@app.get("/api/v1/monitors/<monitor_id>/incidents", responses=documented(IncidentPage))
def list_incidents(monitor_id: str, limit: Limit = 50, cursor: Cursor = None) -> Response[dict]:
    monitors.get_monitor(store, monitor_id)
    items, next_cursor = store.incidents.page(monitor_id, limit, cursor)
    now = now_ms()
    return Response(
        200, "application/json", {"items": [incident_json(i, now) for i in items], "nextCursor": next_cursor}
    )


@app.get("/api/v1/incidents", responses=documented(IncidentPage))
def list_all_incidents(
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO 8601 date or time, UTC by default")] = None,
) -> Response[dict]:
    """Incidents of every monitor, newest first."""
    keep = None if status is None else (lambda i: (i.resolved_ms is None) == (status == "open"))
    items, next_cursor = store.incidents.page_all(limit, cursor, parse_since(since), keep)
    now = now_ms()
    return Response(
        200, "application/json", {"items": [incident_json(i, now) for i in items], "nextCursor": next_cursor}
    )


@app.get("/api/v1/monitors/<monitor_id>/uptime", responses=documented(UptimeOut))
def monitor_uptime(monitor_id: str, days: Annotated[int, Query(ge=1, le=365)] = 30) -> Response[dict]:
    """Uptime over the last `days` days and the status changes (flips) in them."""
    return Response(200, "application/json", uptime_json(monitors.uptime(store, monitor_id, now_ms(), days), days))


@app.post("/api/v1/apply", responses=documented(ApplyOut))
def apply_file(
    doc: Annotated[ApplyDocument, Body()],
    dryRun: Annotated[bool, Query()] = False,
    prune: Annotated[Literal["none", "managed", "all"], Query()] = "none",
) -> Response[dict]:
    """Apply a whole monitors file (see README: Monitoring as code): the plan, made unless dryRun."""
    # Subscriptions are planned (and checked) first: a file with any error changes nothing.
    sync = FileSync(subscriptions())
    sub_plan = sync.plan(declared_subscriptions(doc), prune) if doc.subscriptions is not None else []
    changes = apply.apply(store, declared(doc), prune, dryRun, now_ms(), settings.apply_workers)
    if not dryRun:
        sync.execute(sub_plan, now_ms())
    summary, sub_summary = tally(c.action for c in changes), tally(c.action for c, _ in sub_plan)
    logger.info("file applied", dry_run=dryRun, summary=summary, subscriptions=sub_summary)
    body = {"dryRun": dryRun, "summary": summary, "changes": [change_json(c) for c in changes]}
    sub_changes = [subscription_change_json(c) for c, _ in sub_plan]
    return Response(
        200, "application/json", {**body, "subscriptionSummary": sub_summary, "subscriptionChanges": sub_changes}
    )


def tally(actions: Any) -> dict[str, int]:
    counts = Counter(actions)
    return {a: counts.get(a, 0) for a in ("create", "update", "unchanged", "delete")}


@app.get("/api/v1/export", responses=documented(ExportOut))
def export_file() -> Response[dict]:
    """Every monitor as a file `heartbeat apply` takes back unchanged."""
    return Response(
        200, "application/json", {"version": "1", "monitors": [export_json(m) for m in store.monitors.all()]}
    )


@app.post("/api/v1/keys", responses=documented(KeyCreatedOut, 201))
def create_key(spec: Annotated[KeyCreate, Body()]) -> Response[dict]:
    """A new API key, shown in this answer only."""
    key, record = keyring.create(spec.name, spec.role, now_ms())
    logger.info("API key created", key_id=record.id, role=record.role)
    return Response(201, "application/json", {**key_json(record), "key": key})


@app.get("/api/v1/keys", responses=documented(KeyPage))
def list_keys() -> Response[dict]:
    require_admin()
    return Response(200, "application/json", {"items": [key_json(k) for k in keyring.list()], "nextCursor": None})


@app.delete("/api/v1/keys/<key_id>", responses=documented(None, 204))
def revoke_key(key_id: str) -> Response[str]:
    revoked = keyring.revoke(key_id)
    logger.info("API key revoked", key_id=revoked.id)
    return Response(204, None, "")


@app.post("/api/v1/subscriptions", responses=documented(SubscriptionOut, 201))
def add_subscription(spec: Annotated[SubscriptionCreate, Body()]) -> Response[dict]:
    """Subscribe an endpoint to the alerts its filter picks; email and https wait for confirmation."""
    sub = subscriptions().add(spec.protocol, spec.endpoint, filter_of(spec.filter), target_of(spec), now_ms())
    logger.info("subscription added", protocol=sub.protocol, pending=sub.pending)
    return Response(201, "application/json", subscription_json(sub))


@app.get("/api/v1/subscriptions", responses=documented(SubscriptionPage))
def list_subscriptions() -> Response[dict]:
    items = [subscription_json(s) for s in subscriptions().listing()]
    return Response(200, "application/json", {"items": items, "nextCursor": None})


@app.delete("/api/v1/subscriptions/<subscription_id>", responses=documented(None, 204))
def remove_subscription(subscription_id: str) -> Response[str]:
    subscriptions().remove(subscription_id)
    logger.info("subscription removed", subscription_id=subscription_id)
    return Response(204, None, "")


@app.post("/api/v1/subscriptions/<subscription_id>/test", responses=documented(TestAlertOut, 202))
def test_subscription(subscription_id: str) -> Response[dict]:
    """Send a test alert through SNS to this subscription alone."""
    message_id = subscriptions().test(subscription_id, now_ms())
    logger.info("test alert sent", subscription_id=subscription_id)
    return Response(202, "application/json", {"messageId": message_id})


@app.get("/api/v1/alerts/failed", responses=documented(FailedAlertPage))
def failed_alerts(limit: Annotated[int, Query(ge=1, le=100)] = 100) -> Response[dict]:
    """Alerts that could not be delivered, waiting in the dead-letter queue."""
    items = [dead_letter_json(letter) for letter in dead_letters().peek(limit)]
    return Response(200, "application/json", {"items": items})


@app.post("/api/v1/alerts/retry", responses=documented(RetryOut))
def retry_alerts() -> Response[dict]:
    """Deliver up to 10 dead-lettered alerts again; those delivered leave the queue."""
    report = dead_letters().retry(retrier())
    logger.info("dead letters retried", **retry_json(report))
    return Response(200, "application/json", retry_json(report))


@functools.cache
def subscriptions() -> Subscriptions:
    delivery = Delivery(settings.notifier_arn, settings.dead_letter_queue_arn, settings.allow_http_targets)
    return Subscriptions(boto3.client("sns"), settings.topic_arn, store, delivery)


@functools.cache
def dead_letters() -> DeadLetters:
    return DeadLetters(boto3.client("sqs"), settings.dead_letter_queue_url)


@functools.cache
def retrier() -> Notifier:
    return Notifier(store, boto3.client("sqs"), settings.dead_letter_queue_url, settings.api_url)


@app.get("/api/v1/ping-key", responses=documented(PingKeyOut))
def get_ping_key() -> Response[dict]:
    """The deployment's ping key, for /ping/<key>/<slug> URLs (made on first use). Admin keys only."""
    require_admin()
    return ping_key_response(deployment_keys.deployment_key(store, PING_KEY, now_ms()))


@app.post("/api/v1/ping-key/rotate", responses=documented(PingKeyOut))
def rotate_ping_key() -> Response[dict]:
    """A new ping key: slug URLs with the old one get 404 from now on; token URLs are unaffected."""
    key = deployment_keys.rotate_deployment_key(store, PING_KEY, now_ms())
    logger.info("ping key rotated")
    return ping_key_response(key)


def ping_key_response(key: str) -> Response[dict]:
    return Response(200, "application/json", {"pingKey": key, "pingUrlPrefix": f"{ping_base()}/ping/{key}/"})


# ---- the dashboard: one static page that signs in with an API key and uses this API ----


@functools.cache
def dashboard() -> tuple[str, str]:
    """The page, and a Content-Security-Policy that allows its own inline script and style only."""
    page = (Path(__file__).parent / "dashboard.html").read_text()

    def digest(tag: str) -> str:
        inline = page.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]
        return "'sha256-" + base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode() + "'"

    policy = (
        f"default-src 'none'; script-src {digest('script')}; style-src {digest('style')}; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return page, policy


@app.get("/", responses=documented(str, 200, ("text/html",)))
def dashboard_page() -> Response[str]:
    """The dashboard (no API key here: the page asks for one and keeps it in the tab)."""
    page, policy = dashboard()
    headers = {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return Response(200, "text/html; charset=utf-8", page, headers=headers)


# ---- badges and metrics: where teams already look ----


@app.get("/api/v1/badge-key", responses=documented(BadgeKeyOut))
def get_badge_key() -> Response[dict]:
    """The deployment's badge key, for /badge/<key>/<tag>.svg (made on first use). Admin keys only."""
    require_admin()
    return badge_key_response(deployment_keys.deployment_key(store, BADGE_KEY, now_ms()))


@app.post("/api/v1/badge-key/rotate", responses=documented(BadgeKeyOut))
def rotate_badge_key() -> Response[dict]:
    """A new badge key: badges with the old one get 404 from now on."""
    key = deployment_keys.rotate_deployment_key(store, BADGE_KEY, now_ms())
    logger.info("badge key rotated")
    return badge_key_response(key)


# A badge answers SVG, or shields.io's JSON for `<tag>.json`.
SHIELDS = {
    200: {"description": "OK", "content": {"image/svg+xml": {"model": str}, "application/json": {"model": ShieldsOut}}}
}


def badge_key_response(key: str) -> Response[dict]:
    prefix = f"{ping_base()}/badge/{key}/"
    return Response(200, "application/json", {"badgeKey": key, "badgeUrlPrefix": prefix})


@app.get("/badge/<badge_key>/<badge_file>", responses=documented(str, 200, ("image/svg+xml",)) | SHIELDS)
def badge(badge_key: str, badge_file: str) -> Response[str]:
    """A tag's state as a badge: `<tag>.svg`, or `<tag>.json` for shields.io's endpoint badge. No API key."""
    tag, dot, kind = badge_file.rpartition(".")
    if not dot or kind not in ("svg", "json") or not tag:
        raise NotFoundError("a badge is <tag>.svg or <tag>.json")
    try:
        deployment_keys.check_deployment_key(store, BADGE_KEY, badge_key)
    except NotFound:
        raise NotFoundError("not found") from None
    state = badges.tag_state(store.monitors.all(), tag, now_ms())
    cache = {"Cache-Control": "max-age=60"}  # a README shows it on every view
    if kind == "json":
        return Response(200, "application/json", json.dumps(badges.shields(tag, state)), headers=cache)
    return Response(200, "image/svg+xml", badges.svg(tag, state), headers=cache)


@app.get("/metrics/<read_key>", responses=documented(str, 200, ("text/plain",)))
def metrics(read_key: str) -> Response[str]:
    """Prometheus metrics for a scraper; the path holds a read API key (an admin key is refused: URLs
    end up in config files and logs)."""
    role = keyring.authenticate({"x-api-key": read_key})
    if role != "read":
        raise Forbidden("use a read API key in a metrics URL")
    body = badges.prometheus(store.monitors.all(), now_ms())
    return Response(200, "text/plain; version=0.0.4; charset=utf-8", body)


# ---- the API's description: OpenAPI generated from the routes and models above, and a viewer ----

PUBLIC = ("/", "/api/v1/openapi.json", "/api/v1/docs")
KEY_IN_PATH = ("/badge/", "/metrics/")
SWAGGER_UI = "https://unpkg.com/swagger-ui-dist@5.17.14"
DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Heartbeat API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css"></head>
<body><div id="ui"></div><script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "openapi.json", dom_id: "#ui"}});</script></body></html>
"""


@functools.cache
def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title="Heartbeat",
        version="1",
        summary="A serverless dead man's switch: monitors, their pings and incidents, monitoring as code.",
        security_schemes={"apiKey": APIKey.model_validate({"name": "X-Api-Key", "in": APIKeyIn.header})},
        security=[{"apiKey": []}],
    )


@app.get("/api/v1/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    return Response(200, "application/json", openapi_document())


@app.get("/api/v1/docs", include_in_schema=False)
def docs_page() -> Response[str]:
    return Response(200, "text/html; charset=utf-8", DOCS_PAGE)


# ---- errors, mapped once: every error is JSON {"error": {"code", "message", "details"?}} ----------


def field_path(loc: tuple[Any, ...]) -> str:
    """pydantic's location as a reader writes it: monitors[2].config.gracePeriod."""
    path = ""
    for part in loc:
        if part in ("body", "query", "path"):
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "body"


@app.exception_handler(RequestValidationError)
def validation_error(e: RequestValidationError) -> Response[dict]:
    broken = next((err for err in e.errors() if err.get("type") == "json_invalid"), None)
    if broken is not None:
        where = field_path(broken.get("loc", ()))
        return error(400, "invalid_json", f"the body is not valid JSON (at character {where.strip('[]')})")
    details = []
    for err in e.errors():
        details.append({"field": field_path(err.get("loc", ())), "message": err.get("msg", "invalid")})
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "invalid request"
    return error(422, "validation_error", message, details)


@app.exception_handler(InvalidInput)
def invalid_input(e: InvalidInput) -> Response[dict]:
    return error(422, "validation_error", str(e), [{"field": e.field, "message": e.message}])


@app.exception_handler(Unauthorized)
def unauthorized(e: Unauthorized) -> Response[dict]:
    return error(401, "unauthorized", str(e))


@app.exception_handler(Forbidden)
def forbidden(e: Forbidden) -> Response[dict]:
    return error(403, "forbidden", str(e))


@app.exception_handler([NotFound, NotFoundError])
def not_found(e: Exception) -> Response[dict]:
    return error(404, "not_found", str(e) if isinstance(e, NotFound) else "no such route")


@app.exception_handler([Contention, LostRace])
def contention(e: Exception) -> Response[dict]:
    return error(409, "conflict", str(e) or "a concurrent change won; try again")


@app.exception_handler(Unavailable)
def unavailable(e: Unavailable) -> Response[dict]:
    logger.error("AWS call failed", aws_error=e.code)
    body = {"error": {"code": "unavailable", "message": "the service is busy; try again"}}
    return Response(503, "application/json", body, headers={"Retry-After": "1"})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if len(event.get("body") or "") > MAX_BODY_BYTES:  # before parsing and validating it
        message = f"the request body is over {MAX_BODY_BYTES:,} bytes; split the file or the request"
        body = json.dumps({"error": {"code": "payload_too_large", "message": message}})
        return {"statusCode": 413, "headers": {"Content-Type": "application/json"}, "body": body}
    return app.resolve(event, context)
