"""The management API's JSON: request models (validated by pydantic) and response shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from heartbeat.alerts import iso
from heartbeat.model import MAX_SECONDS, MIN_SECONDS, Incident, Monitor, PingEvent

Seconds = Annotated[int, Field(ge=MIN_SECONDS, le=MAX_SECONDS, strict=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s,]+$")]
Tags = Annotated[list[Tag], Field(max_length=20)]

DEFAULT_INTERVAL_S = 86400
DEFAULT_GRACE_S = 3600
BODY_PREVIEW_CHARS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorConfig(_Strict):
    expectedInterval: Seconds = DEFAULT_INTERVAL_S
    gracePeriod: Seconds = DEFAULT_GRACE_S


class MonitorCreate(_Strict):
    name: Name
    type: Literal["HEARTBEAT"] = "HEARTBEAT"
    config: MonitorConfig = MonitorConfig()
    tags: Tags = []


class MonitorConfigPatch(_Strict):
    expectedInterval: Seconds | None = None
    gracePeriod: Seconds | None = None


class MonitorPatch(_Strict):
    name: Name | None = None
    config: MonitorConfigPatch | None = None
    tags: Tags | None = None


def unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def monitor_json(m: Monitor, now_ms: int, ping_base: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "type": m.type,
        "config": {"expectedInterval": m.interval_s, "gracePeriod": m.grace_s},
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}",
        "lastPingAt": iso(m.last_ping_ms),
        "lastPingKind": m.last_ping_kind,
        "lastStartAt": iso(m.last_start_ms),
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
