"""What is reached without an API key header: badges and metrics, whose URLs carry their own key
(the dashboard's page and assets are routes/web.py's)."""

from __future__ import annotations

import json

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from schemas.keys import ShieldsOut

from heartbeat.domain import badges
from heartbeat.domain.errors import Forbidden, NotFound
from heartbeat.usecases import deployment_keys, monitors
from heartbeat.usecases.deployment_keys import BADGE_KEY
from routes.shared import documented

router = Router()

# A badge answers SVG, or shields.io's JSON for `<tag>.json`.
SHIELDS = {
    200: {"description": "OK", "content": {"image/svg+xml": {"model": str}, "application/json": {"model": ShieldsOut}}}
}


@router.get("/badge/<badge_key>/<badge_file>", responses=documented(str, 200, ("image/svg+xml",)) | SHIELDS)
def badge(badge_key: str, badge_file: str) -> Response[str]:
    """A tag's state as a badge: `<tag>.svg`, or `<tag>.json` for shields.io's endpoint badge. No API key."""
    tag, dot, kind = badge_file.rpartition(".")
    if not dot or kind not in ("svg", "json") or not tag:
        raise NotFoundError("a badge is <tag>.svg or <tag>.json")
    try:
        deployment_keys.check_deployment_key(deps.store, BADGE_KEY, badge_key)
    except NotFound:
        raise NotFoundError("not found") from None
    state = badges.tag_state(monitors.all_monitors(deps.store), tag, deps.now_ms())
    cache = {"Cache-Control": "max-age=60"}  # a README shows it on every view
    if kind == "json":
        return Response(200, "application/json", json.dumps(badges.shields(tag, state)), headers=cache)
    return Response(200, "image/svg+xml", badges.svg(tag, state), headers=cache)


@router.get("/metrics/<read_key>", responses=documented(str, 200, ("text/plain",)))
def metrics(read_key: str) -> Response[str]:
    """Prometheus metrics for a scraper; the path holds a read API key (an admin key is refused: URLs
    end up in config files and logs)."""
    role = deps.keyring.authenticate({"x-api-key": read_key})
    if role != "read":
        raise Forbidden("use a read API key in a metrics URL")
    body = badges.prometheus(monitors.all_monitors(deps.store), deps.now_ms())
    return Response(200, "text/plain; version=0.0.4; charset=utf-8", body)
