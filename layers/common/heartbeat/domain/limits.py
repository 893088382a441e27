"""What a monitor's settings may be: one set of limits, whichever door a monitor comes through (the
management API, a monitors file, Healthchecks' API, a slug's first ping). Every create and change
is checked here (domain.monitors.checked); the API's models take their numbers from here and from
the settings' bounds (domain.settings), so that its OpenAPI document says the same, and
Healthchecks' API checks each setting it sets through `check_setting`, to answer in its own words.
Errors name the field as the management API does.

The limits also keep a monitor a small DynamoDB item: its largest is under 100 KB, far
from the 400 KB a write would be refused at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.eventpatterns import check_patterns
from heartbeat.domain.model import Monitor
from heartbeat.domain.schedules import check_cron, check_zone
from heartbeat.domain.settings import BY_API, MAX_DEPENDS, MAX_INSTANCES, SETTINGS, Kind, Setting
from heartbeat.domain.tokens import is_monitor_id

NAME_CHARS = 200
DESCRIPTION_CHARS = 10_000
MAX_TAGS = 20
TAG_CHARS = 64
TAG_PATTERN = r"^[^\s,]+$"  # a tag is one word: tags are listed with spaces, and filtered with commas
MAX_KEYWORDS = 10
KEYWORD_CHARS = 100
CRON_CHARS = 200

_TAG = re.compile(TAG_PATTERN)


def _name(value: Any) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_CHARS:
        raise InvalidInput("name", f"must be 1-{NAME_CHARS} characters, not only spaces")


def _description(value: Any) -> None:
    if not isinstance(value, str) or len(value) > DESCRIPTION_CHARS:
        raise InvalidInput("description", f"at most {DESCRIPTION_CHARS} characters")


def _tags(value: Any) -> None:
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise InvalidInput("tags", f"at most {MAX_TAGS} tags")
    if not all(isinstance(t, str) and len(t) <= TAG_CHARS and _TAG.match(t) for t in value):
        raise InvalidInput("tags", f"each tag is 1-{TAG_CHARS} characters, with no spaces or commas")


def _keywords(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, list) or len(value) > MAX_KEYWORDS:
            raise InvalidInput(place, f"at most {MAX_KEYWORDS} keywords")
        if not all(isinstance(k, str) and 1 <= len(k) <= KEYWORD_CHARS for k in value):
            raise InvalidInput(place, f"each keyword is 1-{KEYWORD_CHARS} characters")

    return check


def _whole(place: str, low: int, high: int, optional: bool = False) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(place, f"must be a whole number from {low} to {high}")

    return check


def _flag(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, bool):
            raise InvalidInput(place, "must be true or false")

    return check


def _cron(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or len(value) > CRON_CHARS:
            raise InvalidInput(place, f"a cron expression of at most {CRON_CHARS} characters")
        check_cron(value)

    return check


def _zone(value: Any) -> None:
    check_zone(value)  # names its own place, config.timezone


def _patterns(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        check_patterns(value, place)

    return check


def _monitor_ids(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, list) or len(value) > MAX_DEPENDS:
            raise InvalidInput(place, f"at most {MAX_DEPENDS} monitor ids")
        if not all(isinstance(i, str) and is_monitor_id(i) for i in value):
            raise InvalidInput(place, "each is a monitor id (32 hexadecimal characters)")

    return check


def _quorum(place: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None:
            return
        k = value.get("min") if isinstance(value, dict) and value.keys() == {"min"} else None
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_INSTANCES:
            raise InvalidInput(place, f'must be {{"min": k}}, k a whole number from 1 to {MAX_INSTANCES}')

    return check


def _check(s: Setting) -> Callable[[Any], None]:
    """The check of the setting's kind, naming the setting as the API does."""
    place = f"config.{s.api}"
    if s.kind is Kind.SECONDS or s.kind is Kind.COUNT:
        assert s.low is not None and s.high is not None
        return _whole(place, s.low, s.high, optional=s.optional)
    if s.kind is Kind.FLAG:
        return _flag(place)
    if s.kind is Kind.KEYWORDS:
        return _keywords(place)
    if s.kind is Kind.CRON:
        return _cron(place)
    if s.kind is Kind.ZONE:
        return _zone
    if s.kind is Kind.MONITORS:
        return _monitor_ids(place)
    if s.kind is Kind.QUORUM:
        return _quorum(place)
    return _patterns(place)


# Each field of a monitor (Monitor's name) and its check. The slug has its own (domain.slugs).
CHECKS: dict[str, Callable[[Any], None]] = {
    "name": _name,
    "description": _description,
    "tags": _tags,
    **{s.attr: _check(s) for s in SETTINGS},
}


def check_setting(name: str, value: Any) -> None:
    """InvalidInput (naming the API's field) unless `value` is within the limits of setting `name`."""
    check = CHECKS.get(name)
    if check is not None:
        check(value)


def check_settings(m: Monitor) -> None:
    """Every setting of the monitor within its limits, and each within the setting it must stay under
    (the rules across settings that the API's models cannot see on a partial change)."""
    for name, check in CHECKS.items():
        check(getattr(m, name))
    for s in SETTINGS:
        if s.below is None:
            continue
        other, why = s.below
        value, bound = getattr(m, s.attr), getattr(m, BY_API[other].attr)
        if value is not None and bound is not None and value >= bound:
            raise InvalidInput(f"config.{s.api}", f"must be shorter than {other}, {why}")
