"""Amazon ECS: a task's state changes. RUNNING starts the run; STOPPED ends it, a success only if
every container exited 0."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import Arn, D, Found, NotMonitorable, RunSource, exit_status, mappings, text

SOURCE, DETAIL_TYPE = "aws.ecs", "ECS Task State Change"


def read(d: dict[str, Any], region: str) -> Found | None:
    status, arn, group = d.get("lastStatus"), text(d, "taskArn", D), text(d, "group", D)
    containers = mappings(d, "containers", D)
    link = _link(d, region)
    if status == "RUNNING" and d.get("desiredStatus", "RUNNING") == "RUNNING":
        return PingKind.START, arn, [f"task {arn} running", group, link], None
    if status != "STOPPED":
        return None
    codes = [c.get("exitCode") for c in containers if isinstance(c.get("exitCode"), int)]
    lines = [f"stopped: {d.get('stoppedReason', '')}".strip(), f"stop code: {d.get('stopCode', '')}"]
    lines += [
        f"container {c.get('name')}: exit {c.get('exitCode', '-')} {c.get('reason', '')}".strip() for c in containers
    ]
    lines += [f"task {arn}", group, link]
    failed_to_start = d.get("stopCode") == "TaskFailedToStart"
    bad = next((code for code in codes if code != 0), None)
    if codes and bad is None and not failed_to_start:
        return PingKind.SUCCESS, arn, lines, None
    # A non-zero exit, a task that never started (image pull, OOM before exit, ENI), or one
    # stopped before any container reported an exit code.
    return PingKind.FAIL, arn, lines, exit_status(bad)


def _link(d: dict[str, Any], region: str) -> str:
    cluster = str(d.get("clusterArn", "")).rsplit("/", 1)[-1]
    task = str(d.get("taskArn", "")).rsplit("/", 1)[-1]
    return f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/tasks/{task}?region={region}"


def discover(arn: Arn, target: dict[str, Any]) -> dict[str, Any] | None:
    """A cluster target: its task definition's family on that cluster."""
    if arn.service != "ecs" or not arn.resource.startswith("cluster/"):
        return None
    definition = (target.get("EcsParameters") or {}).get("TaskDefinitionArn")
    if not definition:
        raise NotMonitorable(f"ECS target {arn} names no task definition")
    family = str(definition).rsplit("task-definition/", 1)[-1].split(":")[0]
    return {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"clusterArn": [str(arn)], "group": [f"family:{family}"]},
    }


RUN_SOURCE = RunSource(SOURCE, {DETAIL_TYPE: read}, discover)
