"""The one publish-time decision: may this alert go out now? Each hold step (a snooze, the
maintenance windows) is asked in turn; the first that holds or drops the alert has it. A step holds
an alert by moving its due time in the outbox to when the reason ends, and asks again then, so an
alert held is never lost: when the reason ends and the monitor is still down, it goes out."""

from __future__ import annotations

from collections.abc import Callable

from heartbeat.domain.model import Alert
from heartbeat.store import Store
from heartbeat.usecases import silence, windows

# The snooze first: it holds one alert per monitor and keeps which; a window holds any alert it covers.
STEPS: tuple[Callable[[Store, Alert, int], bool], ...] = (silence.held_back, windows.held_back)


def held_back(store: Store, alert: Alert, now_ms: int) -> bool:
    """True when a step holds or drops `alert` instead of it being published now."""
    return any(step(store, alert, now_ms) for step in STEPS)
