"""Alert messages: what subscribers receive when a monitor goes down, is still down, or recovers.

An alert is an outbox entry (see usecases/outbox.py): written pending with the state change that
causes it, published after. Its id is stable, so a subscriber can drop a duplicate.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from heartbeat.domain.model import Alert, AlertEvent, Cause, Monitor

# How long the writer of an alert has to publish it before a sweep may take it over.
LEASE_MS = 30_000
MAX_RETRY_MS = 15 * 60_000


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _subject(prefix: str, name: str) -> str:
    # SNS subjects: ASCII, no line breaks, under 100 characters.
    clean = re.sub(r"[^\x20-\x7e]", "?", name)
    return f"{prefix}: {clean}"[:99]


def _message(alert_id: str, event: AlertEvent, monitor: Monitor, incident: dict[str, Any]) -> str:
    return json.dumps(
        {
            "version": "1",
            "alertId": alert_id,
            "event": event.value,
            "monitor": {"id": monitor.id, "name": monitor.name, "tags": monitor.tags},
            "incident": incident,
            "lastPingAt": iso(monitor.last_ping_ms),
        },
        separators=(",", ":"),
    )


def _alert(
    monitor: Monitor,
    incident_ms: int,
    event: AlertEvent,
    subject: str,
    incident: dict[str, Any],
    now_ms: int,
    reminder: int = 0,
) -> Alert:
    alert = Alert(
        monitor_id=monitor.id,
        incident_ms=incident_ms,
        event=event,
        subject=subject,
        message="",
        tags=monitor.tags,
        reminder=reminder,
        lease_until_ms=now_ms + LEASE_MS,
    )
    return dataclasses.replace(alert, message=_message(alert.id, event, monitor, incident))


BODY_CHARS = 1000  # of the failing ping's body, in the alert: enough to read the error


def down_alert(monitor: Monitor, opened_ms: int, cause: Cause, now_ms: int, body: bytes = b"") -> Alert:
    incident = {
        "id": str(opened_ms),
        "cause": cause.value,
        "openedAt": iso(opened_ms),
        # For a missed deadline the incident opens at the deadline, not at the (maybe late) sweep.
        "missedDeadline": iso(opened_ms) if cause in (Cause.MISSED, Cause.TIMEOUT) else None,
    }
    if body:
        incident["body"] = body.decode("utf-8", errors="replace")[:BODY_CHARS]
    return _alert(monitor, opened_ms, AlertEvent.DOWN, _subject("DOWN", monitor.name), incident, now_ms)


def up_alert(monitor: Monitor, opened_ms: int, resolved_ms: int, now_ms: int) -> Alert:
    incident = {
        "id": str(opened_ms),
        "openedAt": iso(opened_ms),
        "resolvedAt": iso(resolved_ms),
        "downtimeSeconds": round((resolved_ms - opened_ms) / 1000, 3),
    }
    return _alert(monitor, opened_ms, AlertEvent.UP, _subject("UP", monitor.name), incident, now_ms)


def reminder_alert(monitor: Monitor, count: int, now_ms: int) -> Alert:
    assert monitor.open_incident_ms is not None
    opened = monitor.open_incident_ms
    incident = {
        "id": str(opened),
        "openedAt": iso(opened),
        "reminder": count,
        "downtimeSeconds": round((now_ms - opened) / 1000, 3),
    }
    subject = _subject(f"STILL DOWN (reminder {count})", monitor.name)
    return _alert(monitor, opened, AlertEvent.REMINDER, subject, incident, now_ms, reminder=count)


def retry_delay_ms(attempts: int) -> int:
    return int(min(LEASE_MS * 2**attempts, MAX_RETRY_MS))


@dataclass(frozen=True)
class DeadLetter:
    """One message in the dead-letter queue, whichever part of the path put it there."""

    message_id: str
    receipt: str
    source: str  # notifier: one target's; lambda: a whole notification; sns: SNS's redrive
    target_id: str | None
    message: str
    subject: str | None
    audience: str
    error: str
    failed_at_ms: int | None

    @property
    def alert_id(self) -> str | None:
        try:
            return str(json.loads(self.message)["alertId"])
        except (ValueError, KeyError, TypeError):
            return None
