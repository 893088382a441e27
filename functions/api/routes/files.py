"""Monitoring as code: apply a whole monitors file, and export one that applies back unchanged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
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
)

from heartbeat.usecases import apply, monitors
from heartbeat.usecases.subscriptions import FileSync
from routes.shared import documented

router = Router()


@router.post("/api/v1/apply", responses=documented(ApplyOut))
def apply_file(
    doc: Annotated[ApplyDocument, Body()],
    dryRun: Annotated[bool, Query()] = False,
    prune: Annotated[Literal["none", "managed", "all"], Query()] = "none",
) -> Response[dict]:
    """Apply a whole monitors file (see README: Monitoring as code): the plan, made unless dryRun."""
    # Subscriptions are planned (and checked) first: a file with any error changes nothing.
    sync = FileSync(deps.subscriptions())
    sub_plan = sync.plan(declared_subscriptions(doc), prune) if doc.subscriptions is not None else []
    changes = apply.apply(deps.store, declared(doc), prune, dryRun, deps.now_ms(), deps.settings.apply_workers)
    if not dryRun:
        sync.execute(sub_plan, deps.now_ms())
    summary, sub_summary = tally(c.action for c in changes), tally(c.action for c, _ in sub_plan)
    deps.logger.info("file applied", dry_run=dryRun, summary=summary, subscriptions=sub_summary)
    body = {"dryRun": dryRun, "summary": summary, "changes": [change_json(c) for c in changes]}
    sub_changes = [subscription_change_json(c) for c, _ in sub_plan]
    return Response(
        200, "application/json", {**body, "subscriptionSummary": sub_summary, "subscriptionChanges": sub_changes}
    )


def tally(actions: Iterable[str]) -> dict[str, int]:
    counts = Counter(actions)
    return {a: counts.get(a, 0) for a in ("create", "update", "unchanged", "delete")}


@router.get("/api/v1/export", responses=documented(ExportOut))
def export_file() -> Response[dict]:
    """Every monitor as a file `heartbeat apply` takes back unchanged."""
    entries = [export_json(m) for m in monitors.all_monitors(deps.store)]
    return Response(200, "application/json", {"version": "1", "monitors": entries})
