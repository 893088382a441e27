"""Acknowledge and snooze: what the API takes."""

from __future__ import annotations

from datetime import UTC

from pydantic import AwareDatetime, Field, model_validator

from heartbeat.domain.alertlinks import SNOOZE_MAX_S, SNOOZE_MIN_S
from schemas.fields import Strict


class AcknowledgeIn(Strict):
    note: str = Field("", max_length=500, description="why, or what is being done; shown with the incident")


class SnoozeIn(Strict):
    """Exactly one of the two."""

    seconds: int | None = Field(None, ge=SNOOZE_MIN_S, le=SNOOZE_MAX_S, strict=True, description="from now")
    until: AwareDatetime | None = Field(None, description="ISO 8601 with its offset, 1 minute to 30 days ahead")

    @model_validator(mode="after")
    def one_of(self) -> SnoozeIn:
        if (self.seconds is None) == (self.until is None):
            raise ValueError("give either seconds or until")
        return self

    def until_ms(self, now_ms: int) -> int:
        if self.seconds is not None:
            return now_ms + self.seconds * 1000
        assert self.until is not None
        return int(self.until.astimezone(UTC).timestamp() * 1000)
