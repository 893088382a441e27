"""AWS Batch: a job's state changes. RUNNING starts the run, SUCCEEDED and FAILED end it (a failure
with its last attempt's container exit code)."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import Arn, D, Found, RunSource, exit_status, mapping, mappings, text

SOURCE, DETAIL_TYPE = "aws.batch", "Batch Job State Change"


def read(d: dict[str, Any], region: str) -> Found | None:
    status, job = d.get("status"), text(d, "jobId", D)
    attempts = mappings(d, "attempts", D)
    link = f"https://{region}.console.aws.amazon.com/batch/home?region={region}#jobs/detail/{job}"
    lines = [f"job {d.get('jobName', '')} ({job}) {status}", text(d, "statusReason", D), link]
    if status == "RUNNING":
        return PingKind.START, job, lines, None
    if status == "SUCCEEDED":
        return PingKind.SUCCESS, job, lines, None
    if status == "FAILED":
        last = mapping(attempts[-1], "container", f"{D}attempts[].") if attempts else {}
        container = last or mapping(d, "container", D)
        reason = text(container, "reason", f"{D}container.")
        return PingKind.FAIL, job, [*lines, reason], exit_status(container.get("exitCode"))
    return None


def discover(arn: Arn, target: dict[str, Any]) -> dict[str, Any] | None:
    """A job queue target: its job definition (any revision), or else its job name, on that queue."""
    if arn.service != "batch" or not arn.resource.startswith("job-queue/"):
        return None
    batch = target.get("BatchParameters") or {}
    detail: dict[str, Any] = {"jobQueue": [str(arn)]}
    if batch.get("JobDefinition"):
        name = str(batch["JobDefinition"]).rsplit("job-definition/", 1)[-1].split(":")[0]
        # The event names the definition by its ARN with the revision run: any revision matches.
        prefix = f"arn:{arn.partition}:batch:{arn.region}:{arn.account}:job-definition/{name}:"
        detail["jobDefinition"] = [{"prefix": prefix}]
    elif batch.get("JobName"):
        detail["jobName"] = [batch["JobName"]]
    return {"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": detail}


RUN_SOURCE = RunSource(SOURCE, {DETAIL_TYPE: read}, discover)
