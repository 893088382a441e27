"""What the API's routes share, made once per cold start: settings, logger, store, key ring, the
AWS adapters made on first use, and the clock (tests replace `now_ms`)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import boto3
from aws_lambda_powertools import Logger

from heartbeat.adapters.http import http_sender
from heartbeat.adapters.secrets import secret_from
from heartbeat.adapters.sns import AlertsTopic
from heartbeat.adapters.sqs import DeadLetters
from heartbeat.adapters.ssm import public_url
from heartbeat.clock import now_ms
from heartbeat.settings import Settings
from heartbeat.store import Store
from heartbeat.usecases.delivery import Notifier
from heartbeat.usecases.keys import KeyRing
from heartbeat.usecases.subscriptions import Delivery, Subscriptions

__all__ = ["dead_letters", "keyring", "links", "logger", "now_ms", "retrier", "settings", "store", "subscriptions"]

settings = Settings.from_env()
logger = Logger(service="heartbeat-api")
store = Store.from_settings(settings, boto3.client("dynamodb"))
keyring = KeyRing(store, secret_from(boto3.client("secretsmanager"), settings.api_key_secret_arn))


@functools.cache
def links() -> Callable[[], str]:
    """Where alert links point (a test alert's words, a retried alert's target), read on first use."""
    return public_url(settings.public_url, boto3.client("ssm"), settings.public_url_parameter)


@functools.cache
def subscriptions() -> Subscriptions:
    delivery = Delivery(settings.notifier_arn, settings.dead_letter_queue_arn, settings.allow_http_targets)
    return Subscriptions(AlertsTopic(boto3.client("sns"), settings.topic_arn, links()), store, delivery)


@functools.cache
def dead_letters() -> DeadLetters:
    return DeadLetters(boto3.client("sqs"), settings.dead_letter_queue_url)


@functools.cache
def retrier() -> Notifier:
    return Notifier(store, dead_letters(), links(), send=http_sender(settings.allow_http_targets))
