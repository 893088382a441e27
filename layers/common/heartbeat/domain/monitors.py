"""A monitor's own rules: what a settings change does to it (its armed deadline follows), what
the settings must agree on, listing filters and uptime. Time comes in as an argument."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from heartbeat.domain.decisions import following
from heartbeat.domain.limits import check_settings
from heartbeat.domain.model import Incident, Monitor
from heartbeat.domain.slugs import check_slug


def matching(now_ms: int, tags: list[str], status: str | None) -> Callable[[Monitor], bool]:
    """A filter for listings: every tag given, and the status as the API shows it (grace derived)."""
    wanted = set(tags)

    def keep(m: Monitor) -> bool:
        return wanted <= set(m.tags) and (status is None or m.status_at(now_ms).value == status)

    return keep


def one_schedule(settings: dict[str, Any]) -> dict[str, Any]:
    """A schedule replaces an interval and the other way round."""
    if settings.get("schedule") is not None:
        return {**settings, "interval_s": None}
    if settings.get("interval_s") is not None:
        return {**settings, "schedule": None}
    return settings


def checked(m: Monitor) -> Monitor:
    """The monitor as it would be stored, refused unless every setting is within its limits (so
    every door takes the same monitors)."""
    check_settings(m)
    if m.slug is not None:
        check_slug(m.slug)
    return m


def changes_anything(current: Monitor, **settings: Any) -> bool:
    """Whether the settings differ from the monitor's (an upsert repeated each minute changes nothing)."""
    return dataclasses.replace(current, **one_schedule(settings)) != current


def changed(current: Monitor, now_ms: int, **settings: Any) -> Monitor:
    """`current` with the given settings (None clears an optional one), and the state that follows
    them (decisions.following: its armed deadline, its reminders)."""
    # Any change invalidates what warm ping Lambdas remember of the monitor's rules.
    new = dataclasses.replace(current, **one_schedule(settings), rev=current.rev + 1)
    return checked(following(current, new, now_ms))


@dataclass(frozen=True)
class Uptime:
    since_ms: int
    window_ms: int
    down_ms: int
    incidents: list[Incident]  # those overlapping the window, oldest first

    @property
    def percent(self) -> float:
        return 100.0 if self.window_ms <= 0 else round(100 * (1 - self.down_ms / self.window_ms), 3)


def uptime_over(incidents: list[Incident], since_ms: int, now_ms: int) -> Uptime:
    """Uptime from `since_ms` to now, given the incidents overlapping that window (newest first)."""
    down = sum(min(i.resolved_ms or now_ms, now_ms) - max(i.opened_ms, since_ms) for i in incidents)
    return Uptime(since_ms, now_ms - since_ms, max(down, 0), incidents[::-1])
