"""What the run events handler is made of, once per cold start (heartbeat.wiring). Tools and tests replace
`now_ms` and reach `store` here."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from heartbeat import wiring
from heartbeat.clock import now_ms
from heartbeat.settings import Settings

if TYPE_CHECKING:
    from heartbeat.adapters.sns import SnsPublisher

__all__ = ["now_ms", "publisher", "settings", "store"]

settings = Settings.from_env()
store = wiring.store(settings)


@functools.cache
def publisher() -> SnsPublisher:
    # Made on first use: only runs that open or resolve an incident publish.
    return wiring.publisher(settings)
