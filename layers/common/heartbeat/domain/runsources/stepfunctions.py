"""AWS Step Functions: an execution's status changes. RUNNING starts the run; SUCCEEDED ends it
well, FAILED, TIMED_OUT and ABORTED badly (with the error and its cause)."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import Arn, D, Found, RunSource, text

SOURCE, DETAIL_TYPE = "aws.states", "Step Functions Execution Status Change"


def read(d: dict[str, Any], region: str) -> Found | None:
    status, arn = d.get("status"), text(d, "executionArn", D)
    link = f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{arn}"
    lines = [
        f"execution {arn} {status}",
        f"error: {d['error']}" if d.get("error") else "",
        str(d.get("cause") or ""),
        link,
    ]
    if status == "RUNNING":
        return PingKind.START, arn, lines, None
    if status == "SUCCEEDED":
        return PingKind.SUCCESS, arn, lines, None
    if status in ("FAILED", "TIMED_OUT", "ABORTED"):
        return PingKind.FAIL, arn, lines, None
    return None


def discover(arn: Arn, target: dict[str, Any]) -> dict[str, Any] | None:
    """A state machine target: its executions."""
    if arn.service != "states" or not arn.resource.startswith("stateMachine:"):
        return None
    return {"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": {"stateMachineArn": [str(arn)]}}


RUN_SOURCE = RunSource(SOURCE, {DETAIL_TYPE: read}, discover)
