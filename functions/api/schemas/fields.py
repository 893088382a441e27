"""The building blocks of the API's models: strict bases and the field types they share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from heartbeat.domain import limits, schedules
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.settings import MAX_DEPENDS, MAX_INSTANCES
from heartbeat.domain.slugs import SLUG_RE


class Strict(BaseModel):
    """A request: a field it does not know is refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An answer as the OpenAPI document describes it (the fuzz test holds the handlers to it)."""

    model_config = ConfigDict(extra="forbid")


# The limits are the domain's (heartbeat.domain.limits), which every door to a monitor applies.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.NAME_CHARS)]
Description = Annotated[str, StringConstraints(max_length=limits.DESCRIPTION_CHARS)]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.TAG_CHARS, pattern=limits.TAG_PATTERN),
]
Tags = Annotated[list[Tag], Field(max_length=limits.MAX_TAGS)]


def _cron(value: str) -> str:
    try:
        return schedules.check_cron(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


def _timezone(value: str) -> str:
    try:
        return schedules.check_zone(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


Slug = Annotated[str, StringConstraints(max_length=100, pattern=SLUG_RE.pattern)]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=limits.KEYWORD_CHARS)]
Keywords = Annotated[list[Keyword], Field(max_length=limits.MAX_KEYWORDS)]
CronExpression = Annotated[str, StringConstraints(max_length=limits.CRON_CHARS), AfterValidator(_cron)]
TimezoneName = Annotated[str, StringConstraints(max_length=schedules.ZONE_CHARS), AfterValidator(_timezone)]
MonitorId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
MonitorIds = Annotated[list[MonitorId], Field(max_length=MAX_DEPENDS)]


def _quorum(value: dict[str, int]) -> dict[str, int]:
    if "min" not in value:
        raise ValueError('give {"min": k}')
    return value


Quorum = Annotated[
    dict[Literal["min"], Annotated[int, Field(ge=1, le=MAX_INSTANCES, strict=True)]], AfterValidator(_quorum)
]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[!-~]+$")]
ContentType = Annotated[
    str, StringConstraints(max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+(; *charset=[A-Za-z0-9-]+)?$")
]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[!-~]+$")]


def unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))
