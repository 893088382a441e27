"""The dashboard's list: one request a page for what every row shows, runs included."""

from __future__ import annotations

from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from schemas.summary import SummaryOut, summary_json

from heartbeat.usecases import dashboard
from routes.monitors import Cursor, StatusName
from routes.shared import documented, ping_urls

router = Router()


@router.get("/api/v1/summary", responses=documented(SummaryOut), compress=True)
def monitors_summary(
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    cursor: Cursor = None,
    q: Annotated[str, Query(max_length=200, description="words each in the name or a tag, case-insensitive")] = "",
    tag: Annotated[list[str] | None, Query(description="repeatable: monitors with every tag given")] = None,
    status: Annotated[StatusName | None, Query()] = None,
) -> Response[dict]:
    """Every monitor's counts by status and a page of rows, trouble first, each with its last 30 runs:
    a dashboard's refresh in one request a page (gzip when asked)."""
    now = deps.now_ms()
    found = dashboard.summary(deps.store, now, limit, cursor, q, tag or [], status)
    return Response(200, "application/json", summary_json(found, now, ping_urls(router)))
