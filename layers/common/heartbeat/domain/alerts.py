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
from typing import TYPE_CHECKING, Any

from heartbeat.domain.model import Alert, AlertEvent, Cause, Monitor, Ping
from heartbeat.domain.rules import run_start

if TYPE_CHECKING:
    from heartbeat.domain.alertwords import AlertFacts, Failure

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
    facts: AlertFacts,
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
        facts=facts,
    )
    return dataclasses.replace(alert, message=_message(alert.id, event, monitor, incident))


BODY_CHARS = 1000  # of the failing ping's body, in the alert: enough to read the error


def down_alert(monitor: Monitor, opened_ms: int, cause: Cause, now_ms: int, ping: Ping | None = None) -> Alert:
    """`ping`: the failing ping, when a ping (not a sweep) opened the incident."""
    body = ping.body if ping else b""
    incident = {
        "id": str(opened_ms),
        "cause": cause.value,
        "openedAt": iso(opened_ms),
        # For a missed deadline the incident opens at the deadline, not at the (maybe late) sweep.
        "missedDeadline": iso(opened_ms) if cause in (Cause.MISSED, Cause.TIMEOUT) else None,
    }
    if body:
        incident["body"] = body.decode("utf-8", errors="replace")[:BODY_CHARS]
    facts = _facts(monitor, AlertEvent.DOWN, now_ms, ping, opened_ms=opened_ms)
    facts = dataclasses.replace(facts, failure=_failure(monitor, cause, now_ms, ping))
    return _alert(monitor, opened_ms, AlertEvent.DOWN, _subject("DOWN", monitor.name), incident, now_ms, facts)


def up_alert(monitor: Monitor, opened_ms: int, resolved_ms: int, now_ms: int, ping: Ping | None = None) -> Alert:
    """`ping`: the success that ended the outage."""
    incident = {
        "id": str(opened_ms),
        "openedAt": iso(opened_ms),
        "resolvedAt": iso(resolved_ms),
        "downtimeSeconds": round((resolved_ms - opened_ms) / 1000, 3),
    }
    facts = _facts(monitor, AlertEvent.UP, now_ms, ping, opened_ms=opened_ms, resolved_ms=resolved_ms)
    return _alert(monitor, opened_ms, AlertEvent.UP, _subject("UP", monitor.name), incident, now_ms, facts)


def reminder_alert(monitor: Monitor, count: int, now_ms: int) -> Alert:
    """Its facts have no cause: the monitor does not keep it; `with_cause_of` takes it from the down alert."""
    assert monitor.open_incident_ms is not None
    opened = monitor.open_incident_ms
    incident = {
        "id": str(opened),
        "openedAt": iso(opened),
        "reminder": count,
        "downtimeSeconds": round((now_ms - opened) / 1000, 3),
    }
    subject = _subject(f"STILL DOWN (reminder {count})", monitor.name)
    facts = dataclasses.replace(_facts(monitor, AlertEvent.REMINDER, now_ms, opened_ms=opened), reminder=count)
    return _alert(monitor, opened, AlertEvent.REMINDER, subject, incident, now_ms, facts, reminder=count)


def with_cause_of(reminder: Alert, down: Alert | None) -> Alert:
    """A reminder that says why the monitor is down, as its incident's down alert did (the exit
    status, the body); from the down alert's document alone when it was written before facts."""
    from heartbeat.domain.alertwords import Failure

    if reminder.facts is None or down is None:
        return reminder
    failure = down.facts.failure if down.facts is not None else None
    if failure is None:
        try:
            failure = Failure(cause=str(json.loads(down.message)["incident"]["cause"]))
        except (ValueError, KeyError, TypeError):
            return reminder
    return dataclasses.replace(reminder, facts=dataclasses.replace(reminder.facts, failure=failure))


def with_dependencies(alert: Alert, held_by: str = "", holding: list[str] | None = None) -> Alert:
    """An alert that says the outage of `held_by` (a name) held it, or names the monitors `holding`
    its own outage holds quiet (domain/dependencies.py)."""
    if alert.facts is None:
        return alert
    facts = dataclasses.replace(alert.facts, held_by=held_by, holding=list(holding or []))
    return dataclasses.replace(alert, facts=facts)


def _facts(monitor: Monitor, event: AlertEvent, now_ms: int, ping: Ping | None = None, **more: Any) -> AlertFacts:
    """The monitor's side of an alert's facts; `ping`, when one made the alert, is its last ping."""
    # Loaded when an alert is made, not at every ping's cold start (a few dataclasses to build).
    from heartbeat.domain.alertwords import DESCRIPTION_CHARS, AlertFacts, PingFacts

    last = None
    if ping is not None:
        start = run_start(monitor, ping)
        # A start received after this ping (written before it) is another run's: no duration.
        ran = now_ms - start if start is not None and start <= now_ms else None
        last = PingFacts(now_ms, ping.kind.value, _source(ping), ping.exit_status, ran)
    elif monitor.last_ping_ms is not None:
        last = PingFacts(monitor.last_ping_ms, monitor.last_ping_kind or "")
    return AlertFacts(
        event=event.value,
        monitor_id=monitor.id,
        name=monitor.name,
        at_ms=now_ms,
        zone=monitor.timezone,
        interval_s=monitor.interval_s,
        cron=monitor.schedule,
        grace_s=monitor.grace_s,
        max_runtime_s=monitor.max_runtime_s,
        early_gap_s=monitor.min_gap_ms // 1000 or None,
        description=monitor.description[: 2 * DESCRIPTION_CHARS],
        tags=monitor.tags,
        last_ping=last,
        **more,
    )


def _failure(monitor: Monitor, cause: Cause, now_ms: int, ping: Ping | None) -> Failure:
    from heartbeat.domain.alertwords import BodyExcerpt, Failure
    from heartbeat.domain.quorum import silent

    body = BodyExcerpt.of(ping.body, ping.body_size, ping.body_truncated) if ping else None
    keyword, wanted = "", list[str]()
    if cause is Cause.KEYWORD and ping is not None:
        text = ping.body.decode("utf-8", errors="replace").casefold()  # as rules.keyword_failure reads it
        keyword = next((k for k in monitor.failure_keywords if k.casefold() in text), "")
        wanted = [] if keyword else monitor.success_keywords
    last_success = monitor.last_success_ms
    quiet = silent(monitor, monitor.instances or {}, now_ms) if cause is Cause.QUORUM else []
    return Failure(
        silent=quiet,
        quorum=(monitor.quorum or {}).get("min", 0),
        cause=cause.value,
        exit_status=ping.exit_status if ping else None,
        keyword=keyword,
        success_keywords=wanted,
        in_a_row=monitor.failure_threshold,
        running_ms=now_ms - monitor.last_start_ms if cause is Cause.TIMEOUT and monitor.last_start_ms else None,
        since_success_ms=now_ms - last_success if cause is Cause.EARLY and (last_success or now_ms) < now_ms else None,
        body=body,
    )


def _source(ping: Ping) -> str:
    """Who sent a ping: `POST from 203.0.113.7 (curl/8.5.0)`, or the AWS run that reported itself."""
    from heartbeat.domain.alertwords import visible

    if ping.method == "EVENT":  # usecases/events.py: the account/region and the run's label
        return visible(f"AWS event from {ping.source_ip}" + (f" ({ping.user_agent[:80]})" if ping.user_agent else ""))
    agent = f" ({ping.user_agent[:60]})" if ping.user_agent else ""
    return visible(f"{ping.method} from {ping.source_ip}{agent}")


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
