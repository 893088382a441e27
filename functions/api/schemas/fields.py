"""The building blocks of the API's models: strict bases and the field types they share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from heartbeat.domain import schedules
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import MAX_SECONDS, MIN_SECONDS
from heartbeat.domain.slugs import SLUG_RE


class Strict(BaseModel):
    """A request: a field it does not know is refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An answer as the OpenAPI document describes it (the fuzz test holds the handlers to it)."""

    model_config = ConfigDict(extra="forbid")


Seconds = Annotated[int, Field(ge=MIN_SECONDS, le=MAX_SECONDS, strict=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s,]+$")]
Tags = Annotated[list[Tag], Field(max_length=20)]


def _cron(value: str) -> str:
    try:
        return schedules.check_cron(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


def _timezone(value: str) -> str:
    try:
        schedules.zone(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None
    return value


Slug = Annotated[str, StringConstraints(max_length=100, pattern=SLUG_RE.pattern)]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Keywords = Annotated[list[Keyword], Field(max_length=10)]
Threshold = Annotated[int, Field(ge=1, le=100, strict=True)]

# Reminders more often than the sweeper runs (every minute by default) could not be kept.
RealertSeconds = Annotated[int, Field(ge=60, le=MAX_SECONDS, strict=True)]
CronExpression = Annotated[str, StringConstraints(max_length=200), AfterValidator(_cron)]
TimezoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]
MonitorId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[!-~]+$")]
ContentType = Annotated[
    str, StringConstraints(max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+(; *charset=[A-Za-z0-9-]+)?$")
]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[!-~]+$")]


def unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))
