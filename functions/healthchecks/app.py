"""Healthchecks' Management API on /api/v1/, /api/v2/ and /api/v3/, so that the tools built on it
(its Terraform provider, Kubernetes operators, the PyPI clients) manage Heartbeat's monitors
unchanged. One route list for the three versions; what differs between them is in checks.py.

A check's `uuid` is the monitor's ping token: /ping/<uuid> pings it, as on Healthchecks, and only
admin keys see it. Read keys see `unique_key`, which is the monitor's id. Errors are Healthchecks'
`{"error": "..."}` with its status codes; 401 for a read key on a route that changes something.
"""

from __future__ import annotations

import functools
from typing import Any, cast
from urllib.parse import quote

import deps
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from checks import Links, check_json, flips_json, matches, parse_spec, ping_json, settings_of, unique_criteria
from described import CHECK, described, listing

from heartbeat.domain import badges
from heartbeat.domain.errors import (
    Contention,
    InvalidInput,
    LostRace,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    NotPaused,
    Unauthorized,
    Unavailable,
)
from heartbeat.domain.model import Monitor
from heartbeat.domain.tokens import is_monitor_id, is_token, monitor_id_for
from heartbeat.usecases import deployment_keys, healthchecks, monitors
from heartbeat.usecases.subscriptions import Subscription, masked_endpoint
from heartbeat.web import body_bytes, decode_json, public_base

logger = Logger(service="heartbeat-healthchecks")
app = APIGatewayHttpResolver()

VERSIONS = {"v1": 1, "v2": 2, "v3": 3}
PINGS_SHOWN = 1000  # as Healthchecks: the newest thousand
MAX_FLIP_TIME = 10_000_000_000
# Heartbeat's protocols as Healthchecks names its channel kinds; the rest keep their own name.
KINDS = {"https": "webhook", "pagerduty": "pd", "teams": "msteamsw"}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "X-Api-Key",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Max-Age": "600",
}


# ---- the request: version, key, body ------------------------------------------------------------


def version(v: str) -> int:
    if v not in VERSIONS:
        raise NotFound("not found")
    return VERSIONS[v]


def event() -> APIGatewayProxyEventV2:
    return cast(APIGatewayProxyEventV2, app.current_event)


def body() -> dict[str, Any]:
    """A POST's JSON object, whatever its Content-Type says (as Healthchecks reads it); {} if empty."""
    e = event()
    raw = body_bytes(e.body, e.is_base64_encoded)
    if not raw.strip():
        return {}
    try:
        value = decode_json(raw)
    except MalformedBody:
        raise InvalidInput("body", "could not parse request body") from None
    if not isinstance(value, dict):
        raise InvalidInput("body", "json validation error: value is not an object")
    return value


def refuse_body() -> None:
    """Healthchecks reads no body on GET or DELETE: a client sending one is mistaken (a DELETE meant as
    an update, say), so it is told rather than ignored."""
    e = event()
    if body_bytes(e.body, e.is_base64_encoded).strip():
        raise InvalidInput("body", "this route takes no body")


def authorize(write: bool, given: dict[str, Any] | None = None) -> bool:
    """Whether the caller holds only a read key. The key is in X-Api-Key or, in a POST, `api_key`."""
    if event().http_method != "POST":
        refuse_body()
    headers = {k.lower(): v for k, v in (event().headers or {}).items()}
    key = headers.get("x-api-key") or str((given or {}).get("api_key") or "")
    if not key:
        raise Unauthorized("missing api key")
    try:
        role = deps.keyring.authenticate({"x-api-key": key})
    except Unauthorized:
        raise Unauthorized("wrong api key") from None
    if write and role != "admin":
        raise Unauthorized("wrong api key")  # Healthchecks' answer to a read key here
    return role != "admin"


def base_url() -> str:
    return public_base(deps.settings.public_url, event().headers, event().request_context.domain_name)


def monitor_of(code: str, by_unique_key: bool) -> Monitor:
    """A check by its uuid (the ping token) or, where a read key may use it, its unique key (the id)."""
    if is_token(code):
        return monitors.get_monitor(deps.store, monitor_id_for(code))
    if by_unique_key and is_monitor_id(code):
        return monitors.get_monitor(deps.store, code)
    raise NotFound("not found")


# ---- answers --------------------------------------------------------------------------------------


def answer(value: Any, status: int = 200) -> Response[Any]:
    return Response(status, "application/json", value, headers=CORS)


def channels_of(m: Monitor, listing: list[Subscription]) -> list[str]:
    """The channels a client set on the check (those that still exist), else (never set, or "*") the
    channels its alerts reach: the subscriptions whose filter takes its down alert."""
    if m.hc_channels not in (None, "*"):
        existing = {s.id for s in listing}
        return [c for c in (m.hc_channels or "").split(",") if c in existing]
    return [s.id for s in listing if s.id and not s.pending and s.filter.matches("monitor.down", m.id, m.tags)]


def checks_json(found: list[Monitor], v: int, readonly: bool) -> list[dict[str, Any]]:
    listing = [] if readonly else deps.subscriptions().listing()
    now = deps.now_ms()
    links = Links(base_url(), v, deployment_keys.deployment_key(deps.store, deployment_keys.BADGE_KEY, now))
    return [check_json(m, now, links, readonly, channels_of(m, listing)) for m in found]


def one_check(m: Monitor, v: int, readonly: bool = False, status: int = 200) -> Response[Any]:
    return answer(checks_json([m], v, readonly)[0], status)


def check_channels(value: str | None) -> dict[str, str]:
    """`channels`: "*", "", or ids or names of existing channels (subscriptions), as Healthchecks
    checks them; the setting that keeps it (names as ids), to be shown back as set. Who gets a
    check's alerts is decided by the subscriptions' filters (README)."""
    if value is None:
        return {}
    if value in ("*", ""):
        return {"hc_channels": value}
    listing, ids = deps.subscriptions().listing(), []
    for item in value.split(","):
        if not item:
            raise InvalidInput("channels", "empty channel identifier")
        found = [s for s in listing if s.id and item in (s.id, channel_name(s))]
        if not found:
            raise InvalidInput("channels", f"invalid channel identifier: {item}")
        if len(found) > 1:
            raise InvalidInput("channels", f"non-unique channel identifier: {item}")
        ids.append(str(found[0].id))
    return {"hc_channels": ",".join(sorted(set(ids)))}


def channel_name(s: Subscription) -> str:
    return f"{s.protocol}: {masked_endpoint(s.protocol, s.endpoint)}"


# ---- routes ---------------------------------------------------------------------------------------


@app.get("/api/<v>/checks/", **described("List checks (?tag= repeatable, ?slug=)", listing("checks", CHECK)))
def list_checks(v: str) -> Response[Any]:
    n = version(v)
    readonly = authorize(write=False)
    # API Gateway (payload 2.0) joins a repeated parameter's values with commas, which no tag contains.
    params = event().query_string_parameters or {}
    tags, slug = {t for t in params.get("tag", "").split(",") if t}, params.get("slug", "")
    found = [m for m in monitors.all_monitors(deps.store) if tags <= set(m.tags) and (not slug or m.slug == slug)]
    return answer({"checks": checks_json(found, n, readonly)})


@app.post("/api/<v>/checks/", **described("Create a check, or update the one `unique` matches", CHECK, 201, body=True))
def create_check(v: str) -> Response[Any]:
    n, given = version(v), body()
    authorize(write=True, given=given)
    spec = parse_spec(given)
    settings = settings_of(spec, n) | check_channels(spec.channels)
    criteria = unique_criteria(spec) or {}
    match = functools.partial(matches, criteria=criteria)
    m, created = healthchecks.upsert(deps.store, settings, criteria, match, deps.now_ms())
    logger.info("check created" if created else "check matched", monitor_id=m.id)
    return one_check(m, n, status=201 if created else 200)


@app.get("/api/<v>/checks/<code>", **described("A check, by uuid or unique_key", CHECK))
def get_check(v: str, code: str) -> Response[Any]:
    n = version(v)
    readonly = authorize(write=False)
    return one_check(monitor_of(code, by_unique_key=True), n, readonly)


@app.post("/api/<v>/checks/<code>", **described("Update a check", CHECK, body=True))
def update_check(v: str, code: str) -> Response[Any]:
    if is_monitor_id(code):  # a unique key reads a check; only its uuid changes one (as Healthchecks)
        raise MethodNotAllowed("GET")
    n, given = version(v), body()
    authorize(write=True, given=given)
    m = monitor_of(code, by_unique_key=False)
    spec = parse_spec(given)
    changes = settings_of(spec, n) | check_channels(spec.channels)
    if changes:
        m = monitors.update_monitor(deps.store, m.id, deps.now_ms(), **changes)
    return one_check(m, n)


@app.delete("/api/<v>/checks/<code>", **described("Delete a check", CHECK))
def delete_check(v: str, code: str) -> Response[Any]:
    if is_monitor_id(code):  # as for an update: a unique key only reads
        raise MethodNotAllowed("GET")
    n = version(v)
    authorize(write=True)
    m = monitor_of(code, by_unique_key=False)
    shown = one_check(m, n)
    monitors.delete_monitor(deps.store, m.id, deps.now_ms())
    logger.info("check deleted", monitor_id=m.id)
    return shown


@app.post("/api/<v>/checks/<code>/pause", **described("Pause a check", CHECK))
def pause_check(v: str, code: str) -> Response[Any]:
    n, given = version(v), body()
    authorize(write=True, given=given)
    return one_check(monitors.pause_monitor(deps.store, monitor_of(code, False).id, deps.now_ms()), n)


@app.post("/api/<v>/checks/<code>/resume", **described("Resume a paused check", CHECK))
def resume_check(v: str, code: str) -> Response[Any]:
    n, given = version(v), body()
    authorize(write=True, given=given)
    m = monitor_of(code, by_unique_key=False)
    return one_check(monitors.resume_monitor(deps.store, m.id, deps.now_ms(), require_paused=True), n)


@app.get(
    "/api/<v>/checks/<code>/pings/", **described("A check's pings, newest first", listing("pings", {"type": "object"}))
)
def list_pings(v: str, code: str) -> Response[Any]:
    n = version(v)
    authorize(write=True)  # Healthchecks shows pings (and their bodies) to read-write keys only
    m = monitor_of(code, by_unique_key=False)
    links, base = Links(base_url(), n), base_url()
    shown: list[dict[str, Any]] = []
    cursor = None
    while len(shown) < PINGS_SHOWN:
        page, cursor = monitors.list_pings(deps.store, m.id, 100, cursor)
        shown += [ping_json(p, links, m.token, base.split(":", 1)[0]) for p in page]
        if cursor is None:
            break
    return answer({"pings": shown[:PINGS_SHOWN]})


@app.get("/api/<v>/checks/<code>/pings/<number>/body", **described("A ping's body", None, media="text/plain"))
def ping_body(v: str, code: str, number: str) -> Response[Any]:
    version(v)
    authorize(write=True)
    ping = monitors.ping_of(deps.store, monitor_of(code, by_unique_key=False).id, number).ping
    if not ping.body_size:
        raise NotFound("not found")
    return Response(200, "text/plain", ping.body, headers=CORS)


@app.get(
    "/api/<v>/checks/<code>/flips/",
    **described("A check's flips (?start=, ?end=, ?seconds=)", listing("flips", {"type": "object"})),
)
def flips(v: str, code: str) -> Response[Any]:
    version(v)
    authorize(write=False)
    m = monitor_of(code, by_unique_key=True)
    params = event().query_string_parameters or {}
    start, end = flip_time(params, "start", MAX_FLIP_TIME), flip_time(params, "end", MAX_FLIP_TIME)
    seconds = flip_time(params, "seconds", 31_536_000)
    since_ms = max((start or 0) * 1000, (deps.now_ms() - seconds * 1000) if seconds else 0)
    incidents = healthchecks.incidents_since(deps.store, m.id, since_ms)
    return answer({"flips": flips_json(incidents, since_ms, None if end is None else end * 1000)})


def flip_time(params: dict[str, str], name: str, high: int) -> int | None:
    """An integer query parameter from 0 to `high`, as Healthchecks' flips filter takes them."""
    if name not in params:
        return None
    text = params[name]
    if not text.isdigit() or len(text) > 11 or int(text) > high:
        raise InvalidInput(name, f"{name} must be an integer from 0 to {high}")
    return int(text)


@app.get("/api/<v>/channels/", **described("Subscriptions, as channels", listing("channels", {"type": "object"})))
def channels(v: str) -> Response[Any]:
    version(v)
    authorize(write=True)
    shown = [
        {"id": s.id, "name": channel_name(s), "kind": KINDS.get(s.protocol, s.protocol)}
        for s in deps.subscriptions().listing()
        if s.id
    ]
    return answer({"channels": shown})


@app.get("/api/<v>/badges/", **described("Badge URLs by tag", {"type": "object", "required": ["badges"]}))
def badge_urls(v: str) -> Response[Any]:
    version(v)
    # Admin keys only: the URLs carry the badge key, which the native API shows to admin keys only
    # (GET /api/v1/badge-key), and the first call makes it.
    authorize(write=True)
    key = deployment_keys.deployment_key(deps.store, deployment_keys.BADGE_KEY, deps.now_ms())
    tags = sorted({t for m in monitors.all_monitors(deps.store) for t in m.tags})
    shown = {}
    for tag in tags:
        url = f"{base_url()}/badge/{key}/{{}}/{quote(tag, safe='')}.{{}}"  # {} for the states and the format
        shown[tag] = {
            "svg": url.format(2, "svg"),
            "svg3": url.format(3, "svg"),
            "json": url.format(2, "json"),
            "json3": url.format(3, "json"),
            "shields": url.format(2, "shields"),
            "shields3": url.format(3, "shields"),
        }
    return answer({"badges": shown})


# Badges in Healthchecks' shape: /badge/<badge key>/<states>/<tag>.<fmt> for a tag (where Healthchecks
# has a signature, `<sig>-2` or `<sig>`: the badge key is the secret here) and /b/<states>/<the check's
# badge key>.<fmt> for one check. States 2 shows up or down, 3 also late; fmt svg, json or shields.
BADGE_STATES = {"2": False, "3": True}
SHIELDS_COLOURS = {"up": "success", "late": "important", "down": "critical"}  # Healthchecks' own
NEVER_CACHE = {**CORS, "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private"}


def badge_described(summary: str) -> dict[str, Any]:
    """A badge route's description: JSON (`json`, `shields`) or an SVG image."""
    described_route = described(summary, {"type": "object"})
    described_route["responses"][200]["content"]["image/svg+xml"] = {"schema": {"type": "string"}}
    return described_route


def badge_answer(label: str, states: list[str], with_late: bool, fmt: str) -> Response[Any]:
    doc = badges.healthchecks_json(states, with_late)
    status = str(doc["status"])
    if fmt == "json":
        return Response(200, "application/json", doc, headers=NEVER_CACHE)
    if fmt == "shields":
        shields = {"schemaVersion": 1, "label": label, "message": status, "color": SHIELDS_COLOURS[status]}
        return Response(200, "application/json", shields, headers=NEVER_CACHE)
    return Response(200, "image/svg+xml", badges.svg(label, status), headers=NEVER_CACHE)


def badge_request(states: str, badge_file: str) -> tuple[bool, str, str]:
    """(with late, name, format) of `<name>.<fmt>` under a states segment; NotFound if malformed."""
    refuse_body()
    name, dot, fmt = badge_file.rpartition(".")
    if states not in BADGE_STATES or not dot or not name or fmt not in ("svg", "json", "shields"):
        raise NotFound("not found")
    return BADGE_STATES[states], name, fmt


@app.get("/badge/<badge_key>/<states>/<badge_file>", **badge_described("A tag's badge (no API key)"))
def tag_badge(badge_key: str, states: str, badge_file: str) -> Response[Any]:
    with_late, tag, fmt = badge_request(states, badge_file)
    deployment_keys.check_deployment_key(deps.store, deployment_keys.BADGE_KEY, badge_key)
    now = deps.now_ms()
    found = [badges.monitor_state(m, now) for m in monitors.all_monitors(deps.store) if tag in m.tags]
    return badge_answer(tag, found, with_late, fmt)


@app.get("/b/<states>/<badge_file>", **badge_described("A check's badge (no API key)"))
def check_badge(states: str, badge_file: str) -> Response[Any]:
    with_late, key, fmt = badge_request(states, badge_file)
    m = healthchecks.monitor_by_badge_key(deps.store, key)
    return badge_answer(m.name, [badges.monitor_state(m, deps.now_ms())], with_late, fmt)


@app.get("/api/<v>/status/", **described("OK while the API answers (no key)", None, media="text/plain"))
def status(v: str) -> Response[str]:
    version(v)
    refuse_body()
    return Response(200, "text/plain", "OK")


# ---- errors, mapped once --------------------------------------------------------------------------


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status, "application/json", {"error": message}, headers={**CORS, **(headers or {})})


@app.exception_handler(Unauthorized)
def unauthorized(e: Unauthorized) -> Response[Any]:
    return error(401, str(e))


@app.exception_handler(InvalidInput)
def invalid(e: InvalidInput) -> Response[Any]:
    return error(400, e.message)


@app.exception_handler(MalformedBody)
def malformed(_: MalformedBody) -> Response[Any]:
    return error(400, "could not parse request body")


@app.exception_handler(NotFound)
def not_found(_: NotFound) -> Response[Any]:
    return error(404, "not found")


@app.exception_handler(NotFoundError)
def no_route(_: NotFoundError) -> Response[Any]:
    """A route's path with a method it does not take: 405, as Healthchecks answers. A path under
    /api/vN/ that is no Healthchecks route either: API Gateway's own answer, as before the greedy
    route took these paths."""
    path = event().path
    # The resolver's own table of routes (each a method and its compiled path), so none is listed twice.
    methods = sorted({r.method for r in app._static_routes + app._dynamic_routes if r.rule.match(path)})
    if methods:
        return method_not_allowed(MethodNotAllowed(", ".join(methods)))
    return Response(404, "application/json", {"message": "Not Found"})


@app.exception_handler(MethodNotAllowed)
def method_not_allowed(e: MethodNotAllowed) -> Response[Any]:
    """`e` names the methods the path takes."""
    allowed = f"{e}, OPTIONS"
    return error(405, "method not allowed", {"Allow": allowed, "Access-Control-Allow-Methods": allowed})


@app.exception_handler(NotPaused)
def not_paused(_: NotPaused) -> Response[Any]:
    return error(409, "check is not paused")


@app.exception_handler([Contention, LostRace])
def conflict(_: Exception) -> Response[Any]:
    return error(409, "a concurrent change won; try again")


@app.exception_handler(Unavailable)
def unavailable(e: Unavailable) -> Response[Any]:
    logger.error("AWS call failed", aws_error=e.code)
    return error(503, "the service is busy; try again", {"Retry-After": "1"})


# A synchronous Lambda request is capped at 6 MB; refuse clearly before parsing a body that large.
MAX_BODY_BYTES = 5_000_000


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    method = event.get("requestContext", {}).get("http", {}).get("method")
    if method == "OPTIONS":  # a browser's preflight: allowed from anywhere, with no key, as Healthchecks does
        return {"statusCode": 204, "headers": CORS, "body": ""}
    if len(event.get("body") or "") > MAX_BODY_BYTES:
        return {"statusCode": 413, "headers": {**CORS, "Content-Type": "application/json"},
                "body": '{"error":"request body too large"}'}  # fmt: skip
    return app.resolve(event, context)
