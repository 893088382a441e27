"""What a target kind's module declares: its API fields (the endpoint first), the rules a value
must meet, and its renderer. The API's request models (functions/api/schemas/subscriptions.py) and
`check` (this package's registry) are built from these declarations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from heartbeat.domain.targets import AlertMessage, Request, Target

# The API's field types (functions/api/schemas/fields.py gives each its model type): an http(s)
# URL, a key or token (printable ASCII), text of at most `max_chars`, a media type.
FieldType = Literal["url", "secret", "text", "media type"]
Renderer = Callable[[Target, AlertMessage, str], Request]  # (target, alert, the deployment's URL): pure data


@dataclass(frozen=True)
class ApiField:
    """A field of the kind's subscription in the API, beside `protocol` and `filter`."""

    name: str  # the API's name: chatId
    attribute: str  # the Target's: chat_id
    type: FieldType
    description: str = ""  # in the OpenAPI document
    optional: bool = False  # absent is null (the Target's default); else required, unless it has a default
    default: str | None = None  # absent is this value
    max_chars: int = 0  # of "text"
    rule: tuple[re.Pattern[str], str] | None = None  # what the value must match, and how to say so: "must be ..."


def service_url(description: str) -> ApiField:
    """The service's API for a key-based kind, when not its default (a proxy, an EU account)."""
    return ApiField("url", "url", "url", description, optional=True)


def key(description: str, pattern: str, what: str) -> ApiField:
    """The endpoint of a kind that POSTs to its service's own URL: a key or token of this form."""
    return ApiField("endpoint", "endpoint", "secret", description, rule=(re.compile(pattern), what))


def webhook_url(description: str) -> ApiField:
    """The endpoint of a kind that POSTs to the URL it is given (checked as targets.check checks URLs)."""
    return ApiField("endpoint", "endpoint", "url", description)


@dataclass(frozen=True)
class TargetKind:
    name: str  # the subscription's `protocol`
    fields: tuple[ApiField, ...]  # in the API's order; the endpoint first
    render: Renderer  # the one HTTP request that tells a target of this kind of an alert

    def __post_init__(self) -> None:
        assert self.fields[0].name == "endpoint", f"{self.name}: the endpoint comes first"

    @property
    def posts_to_endpoint(self) -> bool:
        """The endpoint is the URL alerts are POSTed to (not a key for the service's own URL)."""
        return self.fields[0].type == "url"
