"""How each Healthchecks route is described in docs/openapi.json (under its own tag): inline schemas,
so the section stands apart from the management API's components."""

from __future__ import annotations

from typing import Any

from checks import CheckSpec

TAG = "Healthchecks compatibility"
JSON = "application/json"

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
CHECK = {
    "type": "object",
    "required": ["name", "slug", "tags", "desc", "grace", "n_pings", "status", "started", "manual_resume", "methods"],
    "properties": {
        "name": {"type": "string"},
        "slug": {"type": "string"},
        "tags": {"type": "string"},
        "grace": {"type": "integer"},
        "n_pings": {"type": "integer"},
        "status": {"enum": ["new", "started", "up", "grace", "down", "paused"]},
        "uuid": {"type": "string", "description": "the ping token: admin keys only"},
        "unique_key": {"type": "string", "description": "read keys only"},
    },
}
ERRORS = {
    400: "invalid input: Healthchecks' `json validation error: ...` wording",
    401: "`missing api key`, or `wrong api key` (also a read key where only an admin key may)",
    404: "no such check, or a path no route takes",
    405: "a method the route does not take (or a change by `unique_key`, which only reads); `Allow` names them",
    409: "`check is not paused`, or a concurrent change won",
}


def listing(name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [name], "properties": {name: {"type": "array", "items": item}}}


def described(
    summary: str, ok: dict[str, Any] | None, status: int = 200, body: bool = False, media: str = JSON
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: its tag, summary, answers and (for a check body) request."""
    answers: dict[int, Any] = {
        code: {"description": text, "content": {JSON: {"schema": ERROR}}} for code, text in ERRORS.items()
    }
    answers[status] = {"description": "OK", "content": {media: {"schema": ok or {"type": "string"}}}}
    if status == 201:
        answers[200] = {"description": "matched by `unique`, and updated", "content": {JSON: {"schema": CHECK}}}
    extensions = {"requestBody": {"content": {JSON: {"schema": CheckSpec.model_json_schema()}}}} if body else None
    return {"tags": [TAG], "summary": summary, "responses": answers, "openapi_extensions": extensions}
