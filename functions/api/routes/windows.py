"""Maintenance windows: create, list, read and delete them (admin key to change them)."""

from __future__ import annotations

from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from schemas.windows import WindowIn, WindowList, WindowOut, window_json

from heartbeat.usecases import windows
from routes.shared import documented

router = Router()


@router.post("/api/v1/maintenance-windows", responses=documented(WindowOut, 201))
def create_window(spec: Annotated[WindowIn, Body()]) -> Response[dict]:
    """During a window no alert of the monitors it covers goes out; one held is sent at its end if still down."""
    now = deps.now_ms()
    window = windows.create(deps.store, spec.window(), now)
    deps.logger.info("maintenance window created", window_id=window.id)
    return Response(201, "application/json", window_json(window, now))


@router.get("/api/v1/maintenance-windows", responses=documented(WindowList))
def list_windows() -> Response[dict]:
    now = deps.now_ms()
    return Response(200, "application/json", {"items": [window_json(w, now) for w in windows.list_windows(deps.store)]})


@router.get("/api/v1/maintenance-windows/<window_id>", responses=documented(WindowOut))
def get_window(window_id: str) -> Response[dict]:
    return Response(200, "application/json", window_json(windows.get(deps.store, window_id), deps.now_ms()))


@router.delete("/api/v1/maintenance-windows/<window_id>", responses=documented(None, 204))
def delete_window(window_id: str) -> Response[str]:
    """Alerts it holds are judged again when they fall due (at its end): sent then if still down."""
    windows.delete(deps.store, window_id)
    deps.logger.info("maintenance window deleted", window_id=window_id)
    return Response(204, None, "")
