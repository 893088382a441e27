"""What an AWS workload's own event says about a run: started, succeeded or failed (with an exit
status where it has one), which run it is, and the text an alert should carry.

One function per source, each reading the event shape AWS documents for it. Pure: the events
function hands the event in, gets a RunReport (or None: not a run's start or end), and records
it as a ping through the same use case as an HTTP ping.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from heartbeat.domain.errors import MalformedEvent
from heartbeat.domain.model import PingKind

# Run ids become the ping's `rid` (a UUID, as ?rid= takes): the same AWS id, the same run.
RUN_NAMESPACE = uuid.UUID("5a0d1e6c-6a4e-4c1b-9f0e-3b1f2b7e8d11")
START, END = 1, 2  # a run's stages: an event for a stage already recorded is a duplicate or late
# A start delivered this late (EventBridge retries for up to a day) may belong to a run whose end
# came and went: it is logged, not taken as a start, so it can never reopen a finished run.
STALE_START_MS = 10 * 60 * 1000
MAX_BODY_CHARS = 4000


@dataclass(frozen=True)
class RunReport:
    kind: PingKind
    run_id: str  # the AWS id the run is known by: task ARN, execution ARN, job id, build id, request id
    stage: int  # START or END
    body: str  # why: the stop reason, error and cause, with the run's id and console link
    label: str  # the event's source and detail-type, shown as the ping's user agent
    exit_status: int | None = None

    @property
    def rid(self) -> str:
        return str(uuid.uuid5(RUN_NAMESPACE, self.run_id))


def report_of(event: dict[str, Any], now_ms: int) -> RunReport | None:
    """The run an event reports, or None for an event that is no run's start or end (an ECS task
    still PENDING, a Batch job RUNNABLE, an unsupported detail-type). Raises MalformedEvent for one
    whose fields are not the types AWS documents (a field that should hold text holds a number)."""
    source, detail_type = event.get("source"), event.get("detail-type")
    read = _READERS.get((source, detail_type)) if isinstance(source, str) and isinstance(detail_type, str) else None
    if read is None:
        return None
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise MalformedEvent("detail")
    found = read(detail, _text(event, "region") or "us-east-1")
    if found is None:
        return None
    kind, run_id, lines, exit_status = found
    if not run_id:
        run_id = _text(event, "id")
        if not run_id:
            return None
    label = f"{event['source']} ({event['detail-type']})"
    body = "\n".join(line for line in lines if line)[:MAX_BODY_CHARS]
    stage = START if kind is PingKind.START else END
    if stage == START and now_ms - _time_ms(event.get("time"), now_ms) > STALE_START_MS:
        kind, body = PingKind.LOG, f"late start event, not taken as a start\n{body}"
    return RunReport(kind, run_id, stage, body, label, exit_status)


def _time_ms(value: Any, default: int) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000) if math.isfinite(value) else default
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return default
    return default


def _text(d: dict[str, Any], key: str, where: str = "") -> str:
    """A field AWS documents as a string: "" when absent or null, MalformedEvent when not a string."""
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"{where}{key}")
    return value


def _object(d: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    """A field AWS documents as an object: {} when absent or null."""
    value = d.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedEvent(f"{where}{key}")
    return value


def _objects(d: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
    """A field AWS documents as a list of objects: [] when absent or null."""
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedEvent(f"{where}{key}")
    return value


def _exit(code: Any) -> int | None:
    """A non-zero exit code as a ping's exit status (0-255), or None."""
    if isinstance(code, bool) or not isinstance(code, int) or code == 0:
        return None
    return code if 0 < code <= 255 else 255


Found = tuple[PingKind, str, list[str], int | None]  # kind, run id ("": the event's id), body lines, exit status
D = "detail."  # where a malformed field is, for the log


def _ecs(d: dict[str, Any], region: str) -> Found | None:
    status, arn, group = d.get("lastStatus"), _text(d, "taskArn", D), _text(d, "group", D)
    containers = _objects(d, "containers", D)
    link = _ecs_link(d, region)
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
    return PingKind.FAIL, arn, lines, _exit(bad)


def _ecs_link(d: dict[str, Any], region: str) -> str:
    cluster = str(d.get("clusterArn", "")).rsplit("/", 1)[-1]
    task = str(d.get("taskArn", "")).rsplit("/", 1)[-1]
    return f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/tasks/{task}?region={region}"


def _batch(d: dict[str, Any], region: str) -> Found | None:
    status, job = d.get("status"), _text(d, "jobId", D)
    attempts = _objects(d, "attempts", D)
    link = f"https://{region}.console.aws.amazon.com/batch/home?region={region}#jobs/detail/{job}"
    lines = [f"job {d.get('jobName', '')} ({job}) {status}", _text(d, "statusReason", D), link]
    if status == "RUNNING":
        return PingKind.START, job, lines, None
    if status == "SUCCEEDED":
        return PingKind.SUCCESS, job, lines, None
    if status == "FAILED":
        last = _object(attempts[-1], "container", f"{D}attempts[].") if attempts else {}
        container = last or _object(d, "container", D)
        reason = _text(container, "reason", f"{D}container.")
        return PingKind.FAIL, job, [*lines, reason], _exit(container.get("exitCode"))
    return None


def _states(d: dict[str, Any], region: str) -> Found | None:
    status, arn = d.get("status"), _text(d, "executionArn", D)
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


def _glue(d: dict[str, Any], region: str) -> Found | None:
    state, run = d.get("state"), _text(d, "jobRunId", D)
    name = d.get("jobName", "")
    link = f"https://{region}.console.aws.amazon.com/gluestudio/home?region={region}#/job/{name}/run/{run}"
    lines = [f"job {name} run {run} {state}", _text(d, "message", D), link]
    if state == "SUCCEEDED":
        return PingKind.SUCCESS, run, lines, None
    if state in ("FAILED", "TIMEOUT", "STOPPED", "ERROR"):
        return PingKind.FAIL, run, lines, None
    return None


def _codebuild(d: dict[str, Any], region: str) -> Found | None:
    status, build = d.get("build-status"), _text(d, "build-id", D)
    where = f"{D}additional-information."
    logs = _object(_object(d, "additional-information", D), "logs", where)
    context = d.get("current-phase-context", "")
    lines = [
        f"build {build} {status}",
        f"phase: {d.get('current-phase', '')} {context}".strip(),
        _text(logs, "deep-link", f"{where}logs."),
    ]
    if status == "IN_PROGRESS":
        return PingKind.START, build, lines, None
    if status == "SUCCEEDED":
        return PingKind.SUCCESS, build, lines, None
    if status in ("FAILED", "STOPPED", "FAULT", "TIMED_OUT"):
        return PingKind.FAIL, build, lines, None
    return None


def _lambda(kind: PingKind) -> Callable[[dict[str, Any], str], Found | None]:
    def read(d: dict[str, Any], region: str) -> Found | None:
        context = _object(d, "requestContext", D)
        where = f"{D}requestContext."
        arn, request = _text(context, "functionArn", where), _text(context, "requestId", where)
        payload = d.get("responsePayload")
        lines = [f"invocation {request} of {arn}: {context.get('condition', '')}"]
        if isinstance(payload, dict) and (payload.get("errorType") or payload.get("errorMessage")):
            lines.append(f"{payload.get('errorType', 'Error')}: {payload.get('errorMessage', '')}")
        name = arn.split(":")[6] if arn.count(":") >= 6 else ""
        lines.append(f"https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{name}")
        return kind, request, lines, None

    return read


_READERS: dict[tuple[Any, Any], Callable[[dict[str, Any], str], Found | None]] = {
    ("aws.ecs", "ECS Task State Change"): _ecs,
    ("aws.batch", "Batch Job State Change"): _batch,
    ("aws.states", "Step Functions Execution Status Change"): _states,
    ("aws.glue", "Glue Job State Change"): _glue,
    ("aws.codebuild", "CodeBuild Build State Change"): _codebuild,
    ("lambda", "Lambda Function Invocation Result - Success"): _lambda(PingKind.SUCCESS),
    ("lambda", "Lambda Function Invocation Result - Failure"): _lambda(PingKind.FAIL),
}
DETAIL_TYPES = sorted({detail_type for _, detail_type in _READERS})


# ---- which stages of which runs a monitor has recorded -----------------------------------------

KEPT_RUNS = 8  # runs remembered per monitor: a few hundred bytes, so a ping stays one write unit


def run_key(rid: str) -> str:
    """A run's short key on its monitor: 48 bits of its rid, unique enough among a monitor's last runs."""
    return rid.replace("-", "")[:12]


def run_mark(stage: int, now_ms: int) -> int:
    """What a monitor remembers of a run's stage: the time in seconds, negative once it ended."""
    return -(now_ms // 1000) if stage == END else now_ms // 1000


def is_recorded(event_runs: dict[str, int], rid: str, stage: int) -> bool:
    """Whether this stage of the run (or a later one) is recorded already: a start after a start or
    an end, an end after an end."""
    mark = event_runs.get(run_key(rid))
    return mark is not None and (stage == START or mark < 0)


def runs_to_forget(event_runs: dict[str, int]) -> list[str]:
    """The keys beyond the KEPT_RUNS most recent, to be removed by the monitor's next event write."""
    newest = sorted(event_runs, key=lambda k: abs(event_runs[k]), reverse=True)
    return newest[KEPT_RUNS:]
