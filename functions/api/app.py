"""Management API (API key): the resolver, who may call what, and every error mapped once.

The routes live in routes/, one Router per resource; what they share (store, key ring, clock) in
deps.py; the request and response models in schemas/.
"""

from __future__ import annotations

import functools
from typing import Any

import deps
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.utilities.typing import LambdaContext
from routes import files, keys, monitors, public, schedules, session, silence, subscriptions, summary, web, windows

from heartbeat.domain import sessions
from heartbeat.domain.errors import (
    Contention,
    Forbidden,
    InvalidInput,
    LostRace,
    MalformedBody,
    NotDown,
    NotFound,
    Unauthorized,
    Unavailable,
)
from heartbeat.domain.model import ApiKey
from heartbeat.usecases.keys import key_from_headers
from heartbeat.web import body_bytes, decode_json, error_body, error_json

logger = deps.logger  # each function's module has its logger by this name
app = APIGatewayHttpResolver(enable_validation=True)
for routes in (monitors, summary, schedules, silence, windows, files, keys, subscriptions, public, web, session):
    app.include_router(routes.router)

# A synchronous Lambda request is capped at 6 MB; refuse clearly well before API Gateway or Lambda do.
MAX_BODY_BYTES = 5_000_000
PUBLIC = ("/", "/api/v1/openapi.json", "/api/v1/docs")
PUBLIC_UNDER = ("/assets/",)  # the dashboard's styles, scripts and icons
KEY_IN_PATH = ("/badge/", "/metrics/", silence.LINKS)  # an alert's signed link is its own permission
EMPTY_BODIES: tuple[object, ...] = (None, {})  # what a client may send to a route that takes no body


def require_key(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[dict]:
    event = app.current_event
    path, method = event.path, event.http_method
    if path in PUBLIC or path.startswith(PUBLIC_UNDER + KEY_IN_PATH) or (path, method) == (session.PATH, "DELETE"):
        # The API's description and the dashboard's files are no secret; badges, metrics and alert links
        # carry their key; signing out only clears the caller's own cookie.
        return next_middleware(app)
    key, expires_s = caller(event.headers or {}, event.cookies or [], method)
    if key.role != "admin" and method != "GET" and path != session.PATH:
        raise Forbidden("this API key may only read")
    app.append_context(role=key.role, key_name=key.name, key=key, session_expires=expires_s)
    return next_middleware(app)


def caller(headers: dict[str, str], cookies: list[str], method: str) -> tuple[ApiKey, int | None]:
    """The caller's key, and its session's end when a session cookie stood for it. A key in a header
    (scripts) wins; else the dashboard's cookie, whose writes must also carry the CSRF header
    (SameSite=Strict keeps other sites' requests from carrying the cookie; this, older browsers')."""
    token = sessions.from_cookies(cookies)
    if token is None or key_from_headers(headers) is not None:
        return deps.keyring.identify(headers), None
    key, found = deps.keyring.identify_session(token, deps.now_ms())
    if method != "GET" and not headers.get(sessions.CSRF_HEADER):
        raise Forbidden(f"a change signed in by the session cookie needs the {sessions.CSRF_HEADER} header")
    return key, found.expires_s


def answer_unrouted(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A request none of the routes takes (the template's `$default` route sends such requests here;
    Powertools runs the middlewares for its 404 too): API Gateway's own 404, as when no route of the
    API took it, whatever key or body came with it."""
    route = app.context.get("_route")
    if route is not None and route.func.__name__ == "not_found_handler":
        return no_such_route(NotFoundError())
    return next_middleware(app)


def refuse_stray_body(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[dict]:
    """A body sent to a route that takes none is a client's mistake: say so rather than act on the
    route as if it were not there (POST .../pause with an apply file meant for /apply)."""
    route = app.context.get("_route")
    event = app.current_event
    stray = route is not None and route.body_field is None and event.body
    if stray and decode_json(body_bytes(event.body, event.is_base64_encoded)) not in EMPTY_BODIES:
        raise InvalidInput("body", "this route takes no body")
    return next_middleware(app)


app.use(middlewares=[answer_unrouted, require_key, refuse_stray_body])


# ---- the API's description: OpenAPI generated from the routes and models (its viewer: routes/web.py) ----


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


# ---- errors, mapped once: every error is JSON {"error": {"code", "message", "details"?}} ----------


def error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response[dict]:
    return Response(status, "application/json", error_body(code, message, details))


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
    details = [{"field": field_path(err.get("loc", ())), "message": err.get("msg", "invalid")} for err in e.errors()]
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "invalid request"
    return error(422, "validation_error", message, details)


@app.exception_handler(MalformedBody)
def malformed_body(e: MalformedBody) -> Response[dict]:
    return error(400, "invalid_json", str(e))


@app.exception_handler(InvalidInput)
def invalid_input(e: InvalidInput) -> Response[dict]:
    return error(422, "validation_error", str(e), [{"field": e.field, "message": e.message}])


@app.exception_handler(Unauthorized)
def unauthorized(e: Unauthorized) -> Response[dict]:
    return error(401, "unauthorized", str(e))


@app.exception_handler(Forbidden)
def forbidden(e: Forbidden) -> Response[dict]:
    return error(403, "forbidden", str(e))


@app.exception_handler(NotFound)
def not_found(e: NotFound) -> Response[dict]:
    return error(404, "not_found", str(e))


@app.exception_handler(NotFoundError)
def no_such_route(_: NotFoundError) -> Response[Any]:
    """A path no route takes (the template's `$default` route brings every such request here): API
    Gateway's own answer, as when it had no route for it."""
    return Response(404, "application/json", {"message": "Not Found"})


@app.exception_handler(NotDown)
def not_down(e: NotDown) -> Response[dict]:
    return error(409, "not_down", str(e))


@app.exception_handler([Contention, LostRace])
def contention(e: Exception) -> Response[dict]:
    return error(409, "conflict", str(e) or "a concurrent change won; try again")


@app.exception_handler(Unavailable)
def unavailable(e: Unavailable) -> Response[dict]:
    logger.error("AWS call failed", aws_error=e.code)
    body = error_body("unavailable", "the service is busy; try again")
    return Response(503, "application/json", body, headers={"Retry-After": "1"})


def refused(status: int, code: str, message: str) -> dict[str, Any]:
    """An answer given before the resolver runs, shaped as the resolver's own."""
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": error_json(code, message)}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    body = event.get("body") or ""
    if len(body) > MAX_BODY_BYTES:  # before parsing and validating it
        message = f"the request body is over {MAX_BODY_BYTES:,} bytes; split the file or the request"
        return refused(413, "payload_too_large", message)
    if body:
        # Strictly, before Powertools parses it for the models: one decoder for every route.
        try:
            decode_json(body_bytes(body, bool(event.get("isBase64Encoded"))))
        except MalformedBody as e:
            return refused(400, "invalid_json", str(e))
        # The API speaks only JSON, and this body is JSON, whatever the client labelled it
        # (`curl -d` says form-urlencoded): the models read it as such rather than answer 415.
        event["headers"] = {**(event.get("headers") or {}), "content-type": "application/json"}
    return app.resolve(event, context)
