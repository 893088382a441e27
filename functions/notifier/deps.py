"""What the notifier is made of, once per cold start (heartbeat.wiring). Tools and tests replace
`now_ms` and reach `store` here."""

from __future__ import annotations

import boto3

from heartbeat import wiring
from heartbeat.adapters.http import http_sender
from heartbeat.adapters.sqs import DeadLetters
from heartbeat.clock import now_ms
from heartbeat.settings import Settings
from heartbeat.usecases.delivery import Notifier

__all__ = ["links", "notifier", "now_ms", "settings", "store"]

settings = Settings.from_env()
store = wiring.store(settings)
dead_letters = DeadLetters(boto3.client("sqs"), settings.dead_letter_queue_url)
links = wiring.links(settings)
# Targets on this machine only where the local stack allows them (ALLOW_HTTP_TARGETS).
notifier = Notifier(store, dead_letters, links, send=http_sender(settings.allow_http_targets))
