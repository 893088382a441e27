"""The management API's JSON: request models (validated by pydantic) and response shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from heartbeat import schedules
from heartbeat.alerts import iso
from heartbeat.errors import InvalidInput
from heartbeat.model import MAX_SECONDS, MIN_SECONDS, Incident, Monitor, PingEvent

Seconds = Annotated[int, Field(ge=MIN_SECONDS, le=MAX_SECONDS, strict=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s,]+$")]
Tags = Annotated[list[Tag], Field(max_length=20)]


def _cron(value: str) -> str:
    try:
        return schedules.check_cron(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


def _timezone(value: str) -> str:
    try:
        schedules.zone(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None
    return value


CronExpression = Annotated[str, StringConstraints(max_length=200), AfterValidator(_cron)]
TimezoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]

DEFAULT_INTERVAL_S = 86400
DEFAULT_GRACE_S = 3600
BODY_PREVIEW_CHARS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorConfig(_Strict):
    """Either `expectedInterval` (seconds) or `schedule` (cron, in `timezone`), plus `gracePeriod`."""

    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName = "UTC"
    gracePeriod: Seconds = DEFAULT_GRACE_S

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfig:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        if self.schedule is None and self.expectedInterval is None:
            self.expectedInterval = DEFAULT_INTERVAL_S
        return self


class MonitorCreate(_Strict):
    name: Name
    type: Literal["HEARTBEAT"] = "HEARTBEAT"
    config: MonitorConfig = MonitorConfig()
    tags: Tags = []


class MonitorConfigPatch(_Strict):
    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName | None = None
    gracePeriod: Seconds | None = None

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfigPatch:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        return self


class MonitorPatch(_Strict):
    name: Name | None = None
    config: MonitorConfigPatch | None = None
    tags: Tags | None = None


def unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def config_json(m: Monitor) -> dict[str, Any]:
    if m.schedule is not None:
        return {"schedule": m.schedule, "timezone": m.timezone, "gracePeriod": m.grace_s}
    return {"expectedInterval": m.interval_s, "gracePeriod": m.grace_s}


def next_expected(m: Monitor, now_ms: int) -> list[str]:
    """For a cron monitor, its next three expected times in its own timezone: the check against a
    mistyped schedule or the wrong zone, the commonest cause of false alerts."""
    return schedules.upcoming(m.schedule, m.timezone, now_ms) if m.schedule else []


def monitor_json(m: Monitor, now_ms: int, ping_base: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "type": m.type,
        "config": config_json(m),
        "nextExpected": next_expected(m, now_ms),
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}",
        "lastPingAt": iso(m.last_ping_ms),
        "lastPingKind": m.last_ping_kind,
        "lastStartAt": iso(m.last_start_ms),
        "lastDurationSeconds": None if m.last_duration_ms is None else m.last_duration_ms / 1000,
        "nextDeadline": iso(m.deadline_ms),
        "openIncident": str(m.open_incident_ms) if m.open_incident_ms else None,
        "downSince": iso(m.down_since_ms),
        "createdAt": iso(m.created_ms),
        "updatedAt": iso(m.updated_ms),
    }


def ping_json(e: PingEvent) -> dict[str, Any]:
    p = e.ping
    return {
        "n": e.n,
        "at": iso(e.at_ms),
        "kind": p.kind.value,
        "exitStatus": p.exit_status,
        "durationSeconds": None if e.duration_ms is None else e.duration_ms / 1000,
        "method": p.method,
        "sourceIp": p.source_ip,
        "userAgent": p.user_agent,
        "bodySize": p.body_size,
        "bodyTruncated": p.body_truncated,
        # Bytes that are not UTF-8, or a character cut at the size limit, show as U+FFFD.
        "bodyPreview": p.body.decode("utf-8", errors="replace")[:BODY_PREVIEW_CHARS],
    }


def incident_json(i: Incident, now_ms: int) -> dict[str, Any]:
    return {
        "id": i.id,
        "status": "resolved" if i.resolved_ms else "open",
        "cause": i.cause.value,
        "openedAt": iso(i.opened_ms),
        "resolvedAt": iso(i.resolved_ms),
        "durationSeconds": round(i.duration_ms(now_ms) / 1000, 3),
    }
