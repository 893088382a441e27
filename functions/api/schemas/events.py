"""`config.events`: EventBridge event patterns, checked by the domain (field path and all)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.eventpatterns import MAX_PATTERNS, check_patterns


def _patterns(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return check_patterns(value, "events")
    except InvalidInput as e:
        raise ValueError(str(e)) from None  # names the place: events[0].detail.group: ...


EventPatterns = Annotated[
    list[dict[str, Any]],
    Field(
        max_length=MAX_PATTERNS,
        description="EventBridge patterns; AWS runs that match one ping this monitor, e.g. "
        '[{"source": ["aws.ecs"], "detail": {"group": ["family:nightly-backup"]}}]',
    ),
    AfterValidator(_patterns),
]
