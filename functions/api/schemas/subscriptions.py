"""Subscriptions (SNS protocols, chat and incident targets) and the dead-lettered alerts."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, StringConstraints, create_model

from heartbeat.domain import targetkinds
from heartbeat.domain.alerts import DeadLetter, iso
from heartbeat.domain.targetkinds.kind import ApiField, TargetKind
from heartbeat.domain.targets import Filter, Target
from heartbeat.usecases.delivery import RetryReport
from heartbeat.usecases.subscriptions import ENDPOINTS, SNS_PROTOCOLS, Subscription, masked_endpoint
from schemas.fields import ContentType, MonitorId, Out, Secret, Strict, Tags, Url, unique


class FilterSpec(Strict):
    """Every part given must match; within a part, any value. Nothing given: every alert."""

    monitors: Annotated[list[MonitorId], Field(max_length=100)] = []
    tags: Tags = []
    events: list[Literal["monitor.down", "monitor.up", "monitor.reminder"]] = []


class _SubscriptionCreate(Strict):
    filter: FilterSpec = FilterSpec()


def _subscription_model(protocol: str) -> type[BaseModel]:
    endpoint = Annotated[str, StringConstraints(max_length=2048, pattern=ENDPOINTS[protocol][0].pattern)]
    name = f"{protocol.capitalize()}Subscription"
    literal: Any = Literal[protocol]
    return create_model(name, __base__=_SubscriptionCreate, protocol=(literal, ...), endpoint=(endpoint, ...))


_FIELD_TYPES: dict[str, Any] = {"url": Url, "secret": Secret, "media type": ContentType}


def _field(f: ApiField) -> tuple[Any, Any]:
    """A target kind's field (heartbeat/domain/targetkinds/) as create_model takes it."""
    text = Annotated[str, StringConstraints(max_length=f.max_chars)]
    annotation: Any = text if f.type == "text" else _FIELD_TYPES[f.type]
    if f.default is not None:
        return annotation, Field(f.default, description=f.description or None)
    if f.optional:
        return annotation | None, Field(None, description=f.description or None)
    return annotation, Field(description=f.description or None)


def _target_model(kind: TargetKind) -> type[BaseModel]:
    literal: Any = Literal[kind.name]
    fields: dict[str, Any] = {f.name: _field(f) for f in kind.fields}
    return create_model(
        f"{kind.name.capitalize()}Subscription", __base__=_SubscriptionCreate, protocol=(literal, ...), **fields
    )


def target_of(spec: Any) -> Target | None:
    """The delivery details of a chat or incident target; None for SNS's own protocols."""
    kind = targetkinds.KINDS.get(spec.protocol)
    if kind is None:
        return None
    given = {f.attribute: value for f in kind.fields if (value := getattr(spec, f.name)) is not None}
    return Target(id="", kind=kind.name, **given)


# One model per protocol, so the OpenAPI document says what each endpoint must look like.
SubscriptionCreate: Any = Annotated[
    Union[  # noqa: UP007 (a Union of a computed tuple)
        tuple(_subscription_model(p) for p in SNS_PROTOCOLS)
        + tuple(_target_model(k) for k in targetkinds.KINDS.values())
    ],
    Field(discriminator="protocol"),
]


def subscription_json(sub: Subscription) -> dict[str, Any]:
    f = sub.filter
    return {
        "id": sub.id or None,
        "protocol": sub.protocol,
        "endpoint": masked_endpoint(sub.protocol, sub.endpoint),
        "filter": {"monitors": f.monitors, "tags": f.tags, "events": f.events},
        "status": "pending confirmation" if sub.pending else "confirmed",
    }


def filter_of(spec: FilterSpec) -> Filter:
    return Filter(spec.monitors, unique(spec.tags), list(dict.fromkeys(spec.events)))


def dead_letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "messageId": letter.message_id,
        "alertId": letter.alert_id,
        "source": letter.source,
        "subscriptionId": letter.target_id,
        "subject": letter.subject,
        "error": letter.error,
        "failedAt": iso(letter.failed_at_ms),
    }


def retry_json(report: RetryReport) -> dict[str, int]:
    return dataclasses.asdict(report)


class FilterOut(Out):
    monitors: list[str]
    tags: list[str]
    events: list[str]


class SubscriptionOut(Out):
    id: str | None = Field(description="null where SNS hides it: a listed subscription still pending confirmation")
    protocol: str
    endpoint: str = Field(description="an https URL's path and query are hidden: they may hold a secret")
    filter: FilterOut
    status: Literal["confirmed", "pending confirmation"]


class SubscriptionPage(Out):
    items: list[SubscriptionOut]
    nextCursor: str | None


class TestAlertOut(Out):
    messageId: str = Field(description="SNS's id of the test alert, sent to this subscription alone")


class FailedAlertOut(Out):
    messageId: str
    alertId: str | None
    source: Literal["notifier", "lambda", "sns"] = Field(
        description="notifier: one target failed; lambda: the notifier failed for a whole alert; sns: SNS's redrive"
    )
    subscriptionId: str | None = Field(description="the target that failed, where one did")
    subject: str | None
    error: str
    failedAt: str | None


class FailedAlertPage(Out):
    items: list[FailedAlertOut]


class RetryOut(Out):
    delivered: int
    failed: int = Field(description="tried again and failed again: still in the queue")
    kept: int = Field(description="SNS's own redrive names no subscription to send to again: still in the queue")
    dropped: int = Field(description="no target wants it any more (removed): taken out of the queue")
