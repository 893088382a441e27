"""Monitors: create, read, change, pause and resume them, and read their pings, incidents and uptime."""

from __future__ import annotations

from typing import Annotated, Literal

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from schemas.fields import unique
from schemas.monitors import (
    IncidentPage,
    MonitorCreate,
    MonitorOut,
    MonitorPage,
    MonitorPatch,
    PingPage,
    UptimeOut,
    incident_json,
    monitor_json,
    monitor_settings,
    parse_since,
    ping_json,
    uptime_json,
)
from schemas.windows import span_json

from heartbeat.domain.model import Monitor
from heartbeat.domain.slugs import SLUG_RE
from heartbeat.usecases import monitors, windows
from routes.shared import documented, ping_urls

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]
StatusName = Literal["new", "up", "grace", "down", "paused", "started"]


def monitor_response(monitor: Monitor, status: int = 200) -> Response[dict]:
    return Response(status, "application/json", monitor_json(monitor, deps.now_ms(), ping_urls(router)))


@router.post("/api/v1/monitors", responses=documented(MonitorOut, 201))
def create_monitor(spec: Annotated[MonitorCreate, Body()]) -> Response[dict]:
    settings = monitor_settings(spec.config)
    monitor = monitors.create_monitor(
        deps.store,
        spec.name,
        spec.type,
        deps.now_ms(),
        spec.slug,
        tags=unique(spec.tags),
        description=spec.description,
        **settings,
    )
    deps.logger.info("monitor created", monitor_id=monitor.id)
    return monitor_response(monitor, 201)


@router.get("/api/v1/monitors", responses=documented(MonitorPage))
def list_monitors(
    limit: Limit = 50,
    cursor: Cursor = None,
    tag: Annotated[list[str] | None, Query(description="repeatable: monitors with every tag given")] = None,
    status: Annotated[StatusName | None, Query()] = None,
    name: Annotated[str | None, Query(max_length=200, description="name prefix, case-insensitive")] = None,
    slug: Annotated[str | None, Query(pattern=SLUG_RE.pattern, description="exactly this slug (one page)")] = None,
) -> Response[dict]:
    now, base = deps.now_ms(), ping_urls(router)
    items, next_cursor = monitors.list_monitors(deps.store, now, limit, cursor, name, tag or [], status, slug)
    return Response(
        200, "application/json", {"items": [monitor_json(m, now, base) for m in items], "nextCursor": next_cursor}
    )


@router.get("/api/v1/monitors/<monitor_id>", responses=documented(MonitorOut))
def get_monitor(monitor_id: str) -> Response[dict]:
    monitor, now = monitors.get_monitor(deps.store, monitor_id), deps.now_ms()
    current, coming = windows.maintenance(deps.store, monitor, now)
    body = monitor_json(monitor, now, ping_urls(router))
    body["maintenance"] = {"current": span_json(current, monitor.timezone), "next": span_json(coming, monitor.timezone)}
    return Response(200, "application/json", body)


@router.patch("/api/v1/monitors/<monitor_id>", responses=documented(MonitorOut))
def patch_monitor(monitor_id: str, patch: Annotated[MonitorPatch, Body()]) -> Response[dict]:
    given = monitor_settings(patch.config) if patch.config else {}
    if patch.name is not None:
        given["name"] = patch.name
    if patch.description is not None:
        given["description"] = patch.description
    if patch.tags is not None:
        given["tags"] = unique(patch.tags)
    if patch.slug is not None:
        given["slug"] = patch.slug
    return monitor_response(monitors.update_monitor(deps.store, monitor_id, deps.now_ms(), **given))


@router.delete("/api/v1/monitors/<monitor_id>", responses=documented(None, 204))
def delete_monitor(monitor_id: str) -> Response[str]:
    monitors.delete_monitor(deps.store, monitor_id, deps.now_ms())
    deps.logger.info("monitor deleted", monitor_id=monitor_id)
    return Response(204, None, "")


@router.post("/api/v1/monitors/<monitor_id>/pause", responses=documented(MonitorOut))
def pause_monitor(monitor_id: str) -> Response[dict]:
    return monitor_response(monitors.pause_monitor(deps.store, monitor_id, deps.now_ms()))


@router.post("/api/v1/monitors/<monitor_id>/resume", responses=documented(MonitorOut))
def resume_monitor(monitor_id: str) -> Response[dict]:
    return monitor_response(monitors.resume_monitor(deps.store, monitor_id, deps.now_ms()))


@router.get("/api/v1/monitors/<monitor_id>/pings", responses=documented(PingPage))
def list_pings(monitor_id: str, limit: Limit = 50, cursor: Cursor = None) -> Response[dict]:
    items, next_cursor = monitors.list_pings(deps.store, monitor_id, limit, cursor)
    return Response(200, "application/json", {"items": [ping_json(p) for p in items], "nextCursor": next_cursor})


@router.get(
    "/api/v1/monitors/<monitor_id>/pings/<n>/body",
    responses=documented(bytes, media=("text/plain; charset=utf-8", "application/octet-stream")),
)
def ping_body(monitor_id: str, n: str):
    """The stored body of one ping, byte for byte (cut at the body limit if it was longer).

    No return annotation on purpose: Powertools would then validate the body as JSON-able text,
    and a body need not be UTF-8.
    """
    ping = monitors.ping_of(deps.store, monitor_id, n).ping
    try:
        ping.body.decode("utf-8")
        content_type = "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        content_type = "application/octet-stream"
    headers = {"X-Body-Truncated": str(ping.body_truncated).lower(), "X-Body-Size": str(ping.body_size)}
    return Response(200, content_type, ping.body, headers=headers)


@router.get("/api/v1/monitors/<monitor_id>/incidents", responses=documented(IncidentPage))
def list_incidents(monitor_id: str, limit: Limit = 50, cursor: Cursor = None) -> Response[dict]:
    items, next_cursor = monitors.list_incidents(deps.store, monitor_id, limit, cursor)
    now = deps.now_ms()
    return Response(
        200, "application/json", {"items": [incident_json(i, now) for i in items], "nextCursor": next_cursor}
    )


@router.get("/api/v1/incidents", responses=documented(IncidentPage))
def list_all_incidents(
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO 8601 date or time, UTC by default")] = None,
) -> Response[dict]:
    """Incidents of every monitor, newest first."""
    items, next_cursor = monitors.all_incidents(deps.store, limit, cursor, parse_since(since), status)
    now = deps.now_ms()
    return Response(
        200, "application/json", {"items": [incident_json(i, now) for i in items], "nextCursor": next_cursor}
    )


@router.get("/api/v1/monitors/<monitor_id>/uptime", responses=documented(UptimeOut))
def monitor_uptime(monitor_id: str, days: Annotated[int, Query(ge=1, le=365)] = 30) -> Response[dict]:
    """Uptime over the last `days` days and the status changes (flips) in them."""
    uptime = monitors.uptime(deps.store, monitor_id, deps.now_ms(), days)
    return Response(200, "application/json", uptime_json(uptime, days))
