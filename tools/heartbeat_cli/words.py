"""The API's schedule fields in words; the words themselves are the domain's (heartbeat.domain.words),
shared with alerts."""

from __future__ import annotations

from typing import Any

from heartbeat.domain import words
from heartbeat.domain.words import duration

__all__ = ["duration", "schedule"]


def schedule(config: dict[str, Any]) -> str:
    """A monitor's `config` as the API shows it: `every day`, `weekdays at 06:30 Europe/Riga`."""
    return words.schedule(config.get("expectedInterval"), config.get("schedule"), config.get("timezone") or "UTC")
