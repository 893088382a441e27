"""Snoozes: what becomes of an alert published while its monitor is snoozed, or when the snooze ends.

While a snooze lasts, no down alert or reminder of its monitor is sent. The first alert of an outage
is held (kept in the outbox, due again when the snooze ends); later ones of the same outage
(reminders) are dropped, and a new outage's alert takes the held one's place: a snooze holds one
alert. When it ends, the held alert is sent if its outage is still open, and dropped if the monitor
recovered. A recovery goes with its outage's down alert, snooze or not: sent if that was (it closes
what the down alert opened, a PagerDuty or Opsgenie incident among them), dropped if that never was.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from heartbeat.domain.model import Alert, AlertEvent

HELD = "held"  # an alert's state while a snooze holds it
DROPPED = "dropped"  # never to be sent: a snooze dropped it
SENT = "sent"  # published (store/outbox.py)


class Verdict(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"  # until the snooze ends
    DROP = "drop"
    RELEASE = "release"  # the held alert, its snooze over, its outage still open: send it
    RELEASE_DROP = "release_drop"  # the held alert, its snooze over, the monitor recovered


@dataclass(frozen=True)
class SnoozeState:
    """A monitor's snooze as stored, with what an alert's fate depends on."""

    until_ms: int | None = None
    held_sk: str | None = None  # the alert it holds
    held_incident_ms: int | None = None
    open_incident_ms: int | None = None

    def active(self, now_ms: int) -> bool:
        return self.until_ms is not None and self.until_ms > now_ms


def judge(alert: Alert, alert_sk: str, state: SnoozeState, now_ms: int, down_state: str | None = None) -> Verdict:
    """What to do with `alert` (stored at `alert_sk`), about to be published, `now_ms`. For a recovery,
    `down_state` is the state of its outage's down alert (None: not in the outbox)."""
    if alert.event is AlertEvent.UP:
        return judge_recovery(down_state)
    held = state.held_sk == alert_sk
    if state.active(now_ms):
        if held:
            return Verdict.HOLD  # the snooze was made longer: held until its new end
        newer = state.held_incident_ms is None or alert.incident_ms > state.held_incident_ms
        return Verdict.HOLD if state.held_sk is None or newer else Verdict.DROP
    if held:
        return Verdict.RELEASE if state.open_incident_ms == alert.incident_ms else Verdict.RELEASE_DROP
    if alert.state == HELD:  # held once, then replaced by a newer outage's alert: not its turn
        return Verdict.DROP
    return Verdict.PUBLISH


def judge_recovery(down_state: str | None) -> Verdict:
    """A recovery is dropped with a down alert that a snooze held or dropped (no "up" without a "down"),
    and sent otherwise, snooze or not: its down alert was sent, or is on its way (pending, or failed and
    due again). Of the two mistakes a race could make, an "up" nobody saw the "down" of is the harmless
    one: a recovery never sent leaves the incident its down alert opened elsewhere open for good."""
    return Verdict.DROP if down_state in (HELD, DROPPED) else Verdict.PUBLISH
