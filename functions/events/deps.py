"""What the run events handler is made of, once per cold start (heartbeat.wiring). Tools and tests replace
`now_ms` and reach `store` here."""

from __future__ import annotations

from heartbeat import wiring
from heartbeat.clock import now_ms
from heartbeat.settings import Settings

__all__ = ["now_ms", "publisher", "settings", "store"]

settings = Settings.from_env()
store = wiring.store(settings)
publisher = wiring.publisher_on_first_use(settings)  # only runs that open or resolve an incident publish
