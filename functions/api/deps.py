"""What the API's routes share, made once per cold start (heartbeat.wiring): settings, logger, store,
key ring, the AWS adapters made on first use, and the clock. Tools and tests replace `now_ms` and
reach `store` here."""

from __future__ import annotations

import functools
from collections.abc import Callable

import boto3
from aws_lambda_powertools import Logger

from heartbeat import wiring
from heartbeat.adapters.http import http_sender
from heartbeat.adapters.secrets import secret_from
from heartbeat.adapters.sns import SnsPublisher
from heartbeat.adapters.sqs import DeadLetters
from heartbeat.clock import now_ms
from heartbeat.settings import Settings
from heartbeat.usecases.delivery import Notifier
from heartbeat.usecases.keys import KeyRing
from heartbeat.usecases.silence import link_key
from heartbeat.usecases.subscriptions import Subscriptions

__all__ = [
    "alert_links_key",
    "dead_letters",
    "keyring",
    "links",
    "logger",
    "now_ms",
    "publisher",
    "retrier",
    "settings",
    "store",
    "subscriptions",
]

settings = Settings.from_env()
logger = Logger(service="heartbeat-api")
store = wiring.store(settings)
secret = secret_from(boto3.client("secretsmanager"), settings.api_key_secret_arn)
keyring = KeyRing(store, secret)
alert_links_key = link_key(secret)  # signs and checks the one-click links alerts carry


@functools.cache
def links() -> Callable[[], str]:
    """Where alert links point (a test alert's words, a retried alert's target), read on first use."""
    return wiring.links(settings)


@functools.cache
def subscriptions() -> Subscriptions:
    return wiring.subscriptions(settings, store, links())


@functools.cache
def dead_letters() -> DeadLetters:
    return DeadLetters(boto3.client("sqs"), settings.dead_letter_queue_url)


@functools.cache
def retrier() -> Notifier:
    return Notifier(store, dead_letters(), links(), send=http_sender(settings.allow_http_targets))


@functools.cache
def publisher() -> SnsPublisher:
    """For the alert a snooze held, sent when the snooze is lifted."""
    return wiring.publisher(settings, links(), alert_links_key)
