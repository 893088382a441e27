"""What the Healthchecks API is made of, once per cold start (heartbeat.wiring). Tools and tests
replace `now_ms` and reach `store` here."""

from __future__ import annotations

import functools

import boto3

from heartbeat import wiring
from heartbeat.adapters.secrets import secret_from
from heartbeat.clock import now_ms
from heartbeat.settings import Settings
from heartbeat.usecases.keys import KeyRing
from heartbeat.usecases.subscriptions import Subscriptions

__all__ = ["keyring", "now_ms", "settings", "store", "subscriptions"]

settings = Settings.from_env()
store = wiring.store(settings)
keyring = KeyRing(store, secret_from(boto3.client("secretsmanager"), settings.api_key_secret_arn))


@functools.cache
def subscriptions() -> Subscriptions:
    """The channels: made on first use, as only the routes that show or check them need SNS."""
    return wiring.subscriptions(settings, store)
