"""What every router needs: the OpenAPI description of answers, where links point, and roles."""

from __future__ import annotations

from typing import Any, cast

import deps
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from schemas.errors import ErrorOut

from heartbeat.domain.errors import Forbidden
from heartbeat.web import public_base

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


def ping_base(router: Router) -> str:
    """Where pings reach this deployment: the custom domain when there is one (ping URLs that outlive
    the API), else the host the caller used."""
    event = cast(APIGatewayProxyEventV2, router.current_event)
    return public_base(deps.settings.public_url, event.headers, event.request_context.domain_name)


def ping_urls(router: Router) -> str | None:
    """Where ping URLs start, for an admin key; None for a read key, which must never see a token
    (whoever holds one can keep the monitor quiet)."""
    return ping_base(router) if router.context.get("role") == "admin" else None


def require_admin(router: Router) -> None:
    if router.context.get("role") != "admin":
        raise Forbidden("this needs an admin API key")
