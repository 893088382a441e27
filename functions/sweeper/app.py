"""Scheduled sweep: overdue monitors go down and alert; pending alerts are published again."""

from __future__ import annotations

from dataclasses import asdict

import deps
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.usecases.sweep import sweep, sweep_for

logger = Logger(service="heartbeat-sweeper")
SAFETY_S = 5  # a looping sweep ends this long before the function's timeout


class SweepIncomplete(Exception):
    """Raised after a sweep in which some items failed, so the invocation counts as an error."""


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict:
    # The sweep's own clock: EventBridge may deliver late, twice or not at all, and every
    # sweep takes all that is due by now, so none of that loses or doubles an alert.
    settings = deps.settings
    if settings.sweep_loop_seconds:  # Detection=seconds: sweep each second until the next run
        seconds = min(settings.sweep_loop_seconds, context.get_remaining_time_in_millis() / 1000 - SAFETY_S)
        report = sweep_for(deps.store, deps.publisher, seconds, workers=settings.sweep_workers, now_ms=deps.now_ms)
    else:
        report = sweep(deps.store, deps.publisher, deps.now_ms(), settings.sweep_workers)
    logger.info("sweep done", scheduled_for=event.time.isoformat(), **asdict(report))
    # A run fails only if its last sweep did: in a looping run, an error a later sweep got past is
    # logged, not paged (its items were due again a second later).
    if report.errors_at_end:
        raise SweepIncomplete(f"{report.errors_at_end} item(s) failed; they stay due for the next sweep")
    return asdict(report)
