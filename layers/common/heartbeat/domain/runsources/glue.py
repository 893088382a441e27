"""AWS Glue: a job run's end (Glue reports no start): SUCCEEDED, or FAILED, TIMEOUT, STOPPED, ERROR.
Glue's own triggers start its jobs, not schedules `heartbeat discover` reads: no discovery."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import D, Found, RunSource, text

SOURCE, DETAIL_TYPE = "aws.glue", "Glue Job State Change"


def read(d: dict[str, Any], region: str) -> Found | None:
    state, run = d.get("state"), text(d, "jobRunId", D)
    name = d.get("jobName", "")
    link = f"https://{region}.console.aws.amazon.com/gluestudio/home?region={region}#/job/{name}/run/{run}"
    lines = [f"job {name} run {run} {state}", text(d, "message", D), link]
    if state == "SUCCEEDED":
        return PingKind.SUCCESS, run, lines, None
    if state in ("FAILED", "TIMEOUT", "STOPPED", "ERROR"):
        return PingKind.FAIL, run, lines, None
    return None


RUN_SOURCE = RunSource(SOURCE, {DETAIL_TYPE: read})
