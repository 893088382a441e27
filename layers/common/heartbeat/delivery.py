"""Delivering an alert to a chat or incident target: retries, backoff, and a dead letter.

Transient failures (a timeout, a refused connection, 5xx, 408, 429) are retried with exponential
backoff, honouring a 429's Retry-After, within a time budget. What still fails, or fails for good
(any other 4xx), goes to the dead-letter queue with what is needed to send it again: an alert is
delivered or kept, never dropped. Errors name the status, never the URL (it is the secret).
"""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from heartbeat.domain.model import AUDIENCE
from heartbeat.targets import Alert, Request, Target, render

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_s: float = 1.0  # first backoff; doubled each time, with jitter
    budget_s: float = 60.0  # all attempts and waits of one delivery
    timeout_s: float = 10.0  # one attempt


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    error: str = ""  # of the last attempt: "HTTP 503", "timeout", ...


class Failure(Exception):
    def __init__(self, error: str, transient: bool, retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.error, self.transient, self.retry_after_s = error, transient, retry_after_s


Sender = Callable[[Request, float], None]


def http_send(request: Request, timeout_s: float) -> None:
    """One attempt; raises Failure saying whether to try again."""
    # Only https (or http to this machine, locally) URLs get here: targets.check refuses the rest.
    req = urllib.request.Request(request.url, request.body, request.headers, method=request.method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as reply:  # noqa: S310
            reply.read()
    except urllib.error.HTTPError as e:
        raise Failure(f"HTTP {e.code}", e.code in TRANSIENT, retry_after(e.headers.get("retry-after"))) from None
    except TimeoutError:
        raise Failure("timeout", transient=True) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        kind = "timeout" if isinstance(reason, TimeoutError | socket.timeout) else type(reason).__name__
        raise Failure(kind, transient=True) from None


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def deliver(
    target: Target,
    alert: Alert,
    incident_url: str = "",
    policy: RetryPolicy = RetryPolicy(),
    send: Sender = http_send,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    request = render(target, alert, incident_url)
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        left = policy.budget_s - (clock() - started)
        try:
            send(request, max(0.1, min(policy.timeout_s, left)))
            return Outcome(True, attempt)
        except Failure as failure:
            if not failure.transient or attempt >= policy.attempts:
                return Outcome(False, attempt, failure.error)
            backoff = policy.base_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            wait = failure.retry_after_s if failure.retry_after_s is not None else backoff
            if clock() - started + wait >= policy.budget_s:
                return Outcome(False, attempt, f"{failure.error}; retry after {wait:g}s is past the budget")
            sleep(wait)


def dead_letter(target: Target, alert: Alert, outcome: Outcome, now_ms: int) -> str:
    """The dead-letter queue's body for an alert a target did not take: enough to send it again."""
    return json.dumps(
        {
            "source": "heartbeat.notifier",
            "targetId": target.id,
            "subject": alert.subject,
            "message": json.dumps(alert.doc, separators=(",", ":")),
            "error": outcome.error,
            "attempts": outcome.attempts,
            "failedAtMs": now_ms,
        }
    )


@dataclass(frozen=True)
class DeadLetter:
    """One message in the dead-letter queue, whichever part of the path put it there."""

    message_id: str
    receipt: str
    source: str  # notifier: one target's; lambda: a whole notification; sns: SNS's redrive
    target_id: str | None
    message: str
    subject: str | None
    audience: str
    error: str
    failed_at_ms: int | None

    @property
    def alert_id(self) -> str | None:
        try:
            return str(json.loads(self.message)["alertId"])
        except (ValueError, KeyError, TypeError):
            return None


def read_dead_letter(sqs_message: dict[str, Any]) -> DeadLetter:
    """The notifier's own dead letters, Lambda's (the SNS event of an invocation that failed every
    retry) and SNS's redrive (the alert itself: SNS does not say which subscription failed)."""
    body, attributes = sqs_message["Body"], sqs_message.get("MessageAttributes", {})
    common = {"message_id": sqs_message["MessageId"], "receipt": sqs_message["ReceiptHandle"]}
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("source") == "heartbeat.notifier":
        return DeadLetter(
            **common,
            source="notifier",
            target_id=doc.get("targetId"),
            message=doc.get("message", ""),
            subject=doc.get("subject"),
            audience=AUDIENCE,
            error=doc.get("error", ""),
            failed_at_ms=doc.get("failedAtMs"),
        )
    error = (attributes.get("ErrorMessage") or attributes.get("ErrorCode") or {}).get("StringValue", "")
    records = doc.get("Records") if isinstance(doc, dict) else None
    if isinstance(records, list) and records and isinstance(records[0], dict) and "Sns" in records[0]:
        sns = records[0]["Sns"]  # SNS sends one record per invocation
        audience = (sns.get("MessageAttributes") or {}).get("audience", {}).get("Value", AUDIENCE)
        return DeadLetter(
            **common,
            source="lambda",
            target_id=None,
            message=sns.get("Message", ""),
            subject=sns.get("Subject"),
            audience=audience,
            error=error or "the notifier failed every retry",
            failed_at_ms=None,
        )
    return DeadLetter(
        **common, source="sns", target_id=None, message=body, subject=None, audience=AUDIENCE, error=error,
        failed_at_ms=None,
    )  # fmt: skip


class Notifier:
    """Delivers one alert to every target that wants it, each on its own: one slow or failing
    target does not hold up or lose the others' alerts."""

    def __init__(
        self,
        store: Any,
        sqs: Any,
        dead_letter_queue_url: str,
        api_url: str = "",
        policy: RetryPolicy = RetryPolicy(),
        send: Sender = http_send,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store, self._sqs, self._queue = store, sqs, dead_letter_queue_url
        self._api_url, self._policy, self._send, self._sleep = api_url, policy, send, sleep

    def notify(self, message: str, subject: str | None, audience: str, now_ms: int) -> dict[str, Outcome]:
        """Target id -> outcome. What a target did not take goes to the dead-letter queue; should the
        queue refuse it too, this raises, the invocation fails and Lambda retries it."""
        alert = Alert.parse(message, subject)  # not an alert: raises, and Lambda keeps the event
        wanting = self._wanting(alert, audience, target_id=None)
        outcomes = self._fan_out(alert, wanting, self._policy)
        for target in wanting:
            if not outcomes[target.id].delivered:
                body = dead_letter(target, alert, outcomes[target.id], now_ms)
                self._sqs.send_message(QueueUrl=self._queue, MessageBody=body)
        return outcomes

    def _wanting(self, alert: Alert, audience: str, target_id: str | None) -> list[Target]:
        found = self._store.targets.all()
        if target_id is not None:
            return [t for t in found if t.id == target_id]
        return [t for t in found if t.wants(alert, audience)]

    def _fan_out(self, alert: Alert, wanting: list[Target], policy: RetryPolicy) -> dict[str, Outcome]:
        monitor_id = alert.monitor.get("id", "")
        incident_url = f"{self._api_url}/api/v1/monitors/{monitor_id}/incidents" if self._api_url else ""

        def one(target: Target) -> Outcome:
            return deliver(target, alert, incident_url, policy, self._send, self._sleep)

        if len(wanting) <= 1:
            return {t.id: one(t) for t in wanting}
        with ThreadPoolExecutor(min(len(wanting), 8)) as pool:
            return dict(zip([t.id for t in wanting], pool.map(one, wanting), strict=True))

    def redeliver(self, letter: DeadLetter) -> dict[str, Outcome] | None:
        """One more try at a dead letter, one attempt per target, no new dead letter (it is still
        in the queue). None: SNS's own redrive, which names no subscription to send it to."""
        if letter.source == "sns":
            return None
        try:
            alert = Alert.parse(letter.message, letter.subject)
        except (ValueError, KeyError, TypeError):
            return None
        once = RetryPolicy(attempts=1, budget_s=self._policy.timeout_s, timeout_s=self._policy.timeout_s)
        return self._fan_out(alert, self._wanting(alert, letter.audience, letter.target_id), once)


@dataclass(frozen=True)
class RetryReport:
    delivered: int = 0
    failed: int = 0  # tried again and failed again: still in the queue
    kept: int = 0  # SNS's own redrive, which names no subscription to send it to: still there
    dropped: int = 0  # no target wants it any more (removed): taken out


class DeadLetters:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs, self._queue = sqs, queue_url

    def peek(self, limit: int = 100) -> list[DeadLetter]:
        """What sits in the queue, without taking it (each message seen stays visible)."""
        seen: dict[str, DeadLetter] = {}
        for _ in range(max(1, limit // 10) * 2):
            messages = self._receive(visibility_s=0)
            new = [m for m in messages if m["MessageId"] not in seen]
            for m in new:
                seen[m["MessageId"]] = read_dead_letter(m)
            if not new or len(seen) >= limit:
                break
        return list(seen.values())[:limit]

    def retry(self, notifier: Notifier, limit: int = 10) -> RetryReport:
        """Send up to `limit` messages again; those delivered (or whose target is gone) leave the queue."""
        counts = {"delivered": 0, "failed": 0, "kept": 0, "dropped": 0}
        for message in self._receive(visibility_s=60, count=min(limit, 10)):
            outcomes = notifier.redeliver(read_dead_letter(message))
            if outcomes is None:
                counts["kept"] += 1
            elif all(o.delivered for o in outcomes.values()):
                counts["delivered" if outcomes else "dropped"] += 1
                self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"])
                continue
            else:
                counts["failed"] += 1
            # Back in view at once for the next list or retry.
            self._sqs.change_message_visibility(
                QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return RetryReport(**counts)

    def _receive(self, visibility_s: int, count: int = 10) -> list[dict[str, Any]]:
        resp = self._sqs.receive_message(
            QueueUrl=self._queue,
            MaxNumberOfMessages=count,
            VisibilityTimeout=visibility_s,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return list(resp.get("Messages", []))
