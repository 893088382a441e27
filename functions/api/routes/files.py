"""Monitoring as code: apply a whole monitors file, and export one that applies back unchanged."""

from __future__ import annotations

from typing import Annotated, Literal

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from schemas.files import (
    ApplyDocument,
    ApplyOut,
    ExportOut,
    change_json,
    declared,
    declared_subscriptions,
    export_json,
    subscription_change_json,
    window_change_json,
)
from schemas.windows import declared_json

from heartbeat.usecases import apply, monitors, windows
from routes.shared import documented

router = Router()


@router.post("/api/v1/apply", responses=documented(ApplyOut))
def apply_file(
    doc: Annotated[ApplyDocument, Body()],
    dryRun: Annotated[bool, Query()] = False,
    prune: Annotated[Literal["none", "managed", "all"], Query()] = "none",
) -> Response[dict]:
    """Apply a whole monitors file (see README: Monitoring as code): the plan, made unless dryRun."""
    subs = declared_subscriptions(doc) if doc.subscriptions is not None else None
    maintenance = [w.window() for w in doc.maintenance] if doc.maintenance is not None else None
    done = apply.apply_file(
        deps.store,
        deps.subscriptions(),
        declared(doc),
        subs,
        prune,
        dryRun,
        deps.now_ms(),
        deps.settings.apply_workers,
        declared_windows=maintenance,
    )
    deps.logger.info("file applied", dry_run=dryRun, summary=done.summary, subscriptions=done.subscription_summary)
    body = {
        "dryRun": dryRun,
        "summary": done.summary,
        "changes": [change_json(c) for c in done.changes],
        "subscriptionSummary": done.subscription_summary,
        "subscriptionChanges": [subscription_change_json(c) for c in done.subscription_changes],
        "maintenanceSummary": done.window_summary,
        "maintenanceChanges": [window_change_json(c) for c in done.window_changes],
    }
    return Response(200, "application/json", body)


@router.get("/api/v1/export", responses=documented(ExportOut))
def export_file() -> Response[dict]:
    """Every monitor as a file `heartbeat apply` takes back unchanged."""
    entries = [export_json(m) for m in monitors.all_monitors(deps.store)]
    body: dict = {"version": "1", "monitors": entries}
    if maintenance := [declared_json(w) for w in windows.list_windows(deps.store)]:
        body["maintenance"] = maintenance  # none: no list, which leaves windows alone when applied back
    return Response(200, "application/json", body)
