"""Delivering an alert to the chat and incident targets that want it (the notifier's use case),
and trying the dead-lettered ones again.

Each target on its own: one slow or failing target does not hold up or lose the others' alerts.
What a target did not take, after adapters/http.py's retries, goes to the dead-letter queue with
what is needed to send it again: an alert is delivered or kept, never dropped.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from heartbeat.adapters.http import DEFAULT_POLICY, DeliveryOutcome, RetryPolicy, Sender, http_send, send_with_retry
from heartbeat.adapters.sqs import DeadLetters, dead_letter_body
from heartbeat.domain.alerts import DeadLetter
from heartbeat.domain.model import AlertEvent
from heartbeat.domain.targetkinds import render
from heartbeat.domain.targets import AlertMessage, Target


@dataclass(frozen=True)
class RetryReport:
    delivered: int = 0
    failed: int = 0  # tried again and failed again: still in the queue
    kept: int = 0  # SNS's own redrive, which names no subscription to send it to: still there
    dropped: int = 0  # no target wants it any more (removed): taken out


class Notifier:
    """Delivers one alert to every target that wants it, each on its own."""

    def __init__(
        self,
        store: Any,
        dead_letters: DeadLetters,
        public_url: Callable[[], str] = lambda: "",
        policy: RetryPolicy = DEFAULT_POLICY,
        send: Sender = http_send,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store, self._dead_letters = store, dead_letters
        self._public_url, self._policy, self._send, self._sleep = public_url, policy, send, sleep

    def notify(self, message: str, subject: str | None, audience: str, now_ms: int) -> dict[str, DeliveryOutcome]:
        """Target id -> outcome. What a target did not take goes to the dead-letter queue; should the
        queue refuse it too, this raises, the invocation fails and Lambda retries it."""
        alert = AlertMessage.parse(message, subject)  # not an alert: raises, and Lambda keeps the event
        wanting = self._wanting(alert, audience, target_id=None)
        if wanting:
            alert = self._with_facts(alert)
        outcomes = self._fan_out(alert, wanting, self._policy)
        for target in wanting:
            outcome = outcomes[target.id]
            if not outcome.delivered:
                self._dead_letters.put(dead_letter_body(target.id, alert, outcome.error, outcome.attempts, now_ms))
        return outcomes

    def redeliver(self, letter: DeadLetter) -> dict[str, DeliveryOutcome] | None:
        """One more try at a dead letter, one attempt per target, no new dead letter (it is still
        in the queue). None: SNS's own redrive, which names no subscription to send it to."""
        if letter.source == "sns":
            return None
        try:
            alert = AlertMessage.parse(letter.message, letter.subject)
        except (ValueError, KeyError, TypeError):
            return None
        alert = self._with_facts(alert)
        once = RetryPolicy(attempts=1, budget_s=self._policy.timeout_s, timeout_s=self._policy.timeout_s)
        return self._fan_out(alert, self._wanting(alert, letter.audience, letter.target_id), once)

    def retry_dead_letters(self, limit: int = 10) -> RetryReport:
        """Send up to `limit` dead letters again; those delivered (or whose target is gone) leave the queue."""
        counts = {"delivered": 0, "failed": 0, "kept": 0, "dropped": 0}
        for letter in self._dead_letters.take(limit):
            outcomes = self.redeliver(letter)
            if outcomes is None:
                counts["kept"] += 1
            elif all(o.delivered for o in outcomes.values()):
                counts["delivered" if outcomes else "dropped"] += 1
                self._dead_letters.remove(letter)
                continue
            else:
                counts["failed"] += 1
            self._dead_letters.give_back(letter)
        return RetryReport(**counts)

    def _with_facts(self, alert: AlertMessage) -> AlertMessage:
        """The alert with the facts it was written with (the cause's details, the body, the zone):
        the document SNS hands a Lambda does not carry them, the outbox does. One read per alert."""
        if alert.event not in {e.value for e in AlertEvent}:
            return alert
        return dataclasses.replace(alert, facts=self._store.outbox.facts(alert))

    def _wanting(self, alert: AlertMessage, audience: str, target_id: str | None) -> list[Target]:
        found = self._store.targets.all()
        if target_id is not None:
            return [t for t in found if t.id == target_id]
        return [t for t in found if t.wants(alert, audience)]

    def _fan_out(self, alert: AlertMessage, wanting: list[Target], policy: RetryPolicy) -> dict[str, DeliveryOutcome]:
        base = self._public_url()

        def one(target: Target) -> DeliveryOutcome:
            return send_with_retry(render(target, alert, base), policy, self._send, self._sleep)

        if len(wanting) <= 1:
            return {t.id: one(t) for t in wanting}
        with ThreadPoolExecutor(min(len(wanting), 8)) as pool:
            return dict(zip([t.id for t in wanting], pool.map(one, wanting), strict=True))
