"""The AWS services whose runs ping monitors through EventBridge, one module each, as Healthchecks
keeps `hc/integrations/<kind>/`: each declares its events' source and detail-types, its reader
(what an event says of a run) and, where a schedule starts its runs, the pattern
`heartbeat discover` writes for them. Everything else reads them here:

- the events function: `report_of`, the run an event reports (recorded as a ping by
  usecases/events.py, the same use case as an HTTP ping);
- a monitor's `config.events` patterns: the sources they may name (domain/eventpatterns.py);
- the template's rule, which must forward exactly `rule_pattern()` (tests/unit/test_runsources.py);
- `heartbeat discover`: `pattern_for`, the pattern a scheduled target's runs match.

A new source is a module here, one line in SOURCES, and its detail-types in the template's rule.
The ping path never imports this package: what it needs of runs is domain/awsruns.py.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from heartbeat.domain.awsruns import END, START
from heartbeat.domain.errors import MalformedEvent
from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources import batch, codebuild, ecs, glue, lambda_destinations, stepfunctions
from heartbeat.domain.runsources.common import Arn, NotMonitorable, Reader, RunSource, text

SOURCES: tuple[RunSource, ...] = (
    ecs.RUN_SOURCE,
    batch.RUN_SOURCE,
    stepfunctions.RUN_SOURCE,
    glue.RUN_SOURCE,
    codebuild.RUN_SOURCE,
    lambda_destinations.RUN_SOURCE,
)
NAMES = tuple(s.source for s in SOURCES)  # what a pattern's `source` may list
_READERS: dict[tuple[str, str], Reader] = {(s.source, t): read for s in SOURCES for t, read in s.readers.items()}

# Run ids become the ping's `rid` (a UUID, as ?rid= takes): the same AWS id, the same run.
RUN_NAMESPACE = uuid.UUID("5a0d1e6c-6a4e-4c1b-9f0e-3b1f2b7e8d11")
# A start delivered this late (EventBridge retries for up to a day) may belong to a run whose end
# came and went: it is logged, not taken as a start, so it can never reopen a finished run.
STALE_START_MS = 10 * 60 * 1000
MAX_BODY_CHARS = 4000


def rule_pattern() -> dict[str, list[str]]:
    """What the template's rule must forward to the events function: every source's run events."""
    return {"source": list(NAMES), "detail-type": [t for s in SOURCES for t in s.readers]}


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
    found = read(detail, text(event, "region") or "us-east-1")
    if found is None:
        return None
    kind, run_id, lines, exit_status = found
    if not run_id:
        run_id = text(event, "id")
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


def pattern_for(target: dict[str, Any]) -> dict[str, Any]:
    """The pattern matching the runs a scheduled target starts (the target as EventBridge Scheduler
    or a rule describes it: Arn, EcsParameters, ...); NotMonitorable saying why there is none."""
    arn = str(target.get("Arn", ""))
    if arn.startswith("arn:aws:scheduler:::aws-sdk:"):
        raise NotMonitorable(f"universal target {arn.split(':', 5)[5]}: discover reads templated targets only")
    parsed = Arn.parse(arn)
    for source in SOURCES:
        pattern = source.discover(parsed, target) if source.discover else None
        if pattern is not None:
            return pattern
    raise NotMonitorable(f"unsupported target {parsed.service} ({arn}): its runs are not events Heartbeat reads")


def discovery_notes(patterns: list[dict[str, Any]]) -> list[str]:
    """What the user must set up before the runs these patterns match reach EventBridge, once each."""
    named = {source for pattern in patterns for source in pattern.get("source", [])}
    return [s.discovery_note for s in SOURCES if s.source in named and s.discovery_note]
