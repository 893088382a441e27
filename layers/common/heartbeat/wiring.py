"""How a function's parts are made from its configuration (heartbeat.settings), once per cold start:
the table, where alert links point, the key that signs them, the alert publisher. Each function's
`deps.py` calls these and is the one place its handler reaches its parts through, so tools and tests
replace `deps.now_ms` (the clock) and reach `deps.store` there, not a handler's globals by name.

What only some invocations need (the publisher: only pings that open or resolve an incident
publish) is imported when first made, so the ping's cold start does not pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3

from heartbeat.settings import Settings
from heartbeat.store import Store

if TYPE_CHECKING:
    from heartbeat.adapters.sns import SnsPublisher
    from heartbeat.usecases.subscriptions import Subscriptions


def store(settings: Settings) -> Store:
    return Store.from_settings(settings, boto3.client("dynamodb"))


def links(settings: Settings) -> Callable[[], str]:
    """The deployment's public URL, which alert links start with (read from SSM on first use)."""
    from heartbeat.adapters.ssm import public_url

    return public_url(settings.public_url, boto3.client("ssm"), settings.public_url_parameter)


def link_signer(settings: Settings) -> Callable[[], bytes | None]:
    """The key that signs and checks alerts' one-click links (derived from the deployment's secret)."""
    from heartbeat.adapters.secrets import secret_from
    from heartbeat.usecases.silence import link_key

    return link_key(secret_from(boto3.client("secretsmanager"), settings.api_key_secret_arn))


def publisher(
    settings: Settings,
    alert_links: Callable[[], str] | None = None,
    signer: Callable[[], bytes | None] | None = None,
) -> SnsPublisher:
    """Publishes alerts (a function that already has the links or the signing key passes them)."""
    from heartbeat.adapters.sns import SnsPublisher

    signer = signer or link_signer(settings)
    return SnsPublisher(boto3.client("sns"), settings.topic_arn, alert_links or links(settings), signer)


def publisher_on_first_use(settings: Settings) -> Callable[[], SnsPublisher]:
    """The publisher, made (and kept) on the first call: for a function only some of whose
    invocations publish, so that its cold start imports no SNS adapter."""
    return functools.cache(lambda: publisher(settings))


def subscriptions(settings: Settings, table: Store, alert_links: Callable[[], str] = lambda: "") -> Subscriptions:
    """The alerts topic's subscriptions, as the APIs manage them (the links: for a test alert's words)."""
    from heartbeat.adapters.sns import AlertsTopic
    from heartbeat.usecases.subscriptions import Delivery, Subscriptions

    delivery = Delivery(settings.notifier_arn, settings.dead_letter_queue_arn, settings.allow_http_targets)
    return Subscriptions(AlertsTopic(boto3.client("sns"), settings.topic_arn, alert_links), table, delivery)
