"""The dead-letter queue (SQS): what a target did not take, with what is needed to send it again,
and what Lambda and SNS put there. An alert is delivered or kept, never dropped."""

from __future__ import annotations

import json
from typing import Any

from heartbeat.domain.alerts import DeadLetter
from heartbeat.domain.model import AUDIENCE
from heartbeat.domain.targets import AlertMessage


def dead_letter_body(target_id: str, alert: AlertMessage, error: str, attempts: int, now_ms: int) -> str:
    """The queue's body for an alert a target did not take: enough to send it again."""
    return json.dumps(
        {
            "source": "heartbeat.notifier",
            "targetId": target_id,
            "subject": alert.subject,
            "message": json.dumps(alert.doc, separators=(",", ":")),
            "error": error,
            "attempts": attempts,
            "failedAtMs": now_ms,
        }
    )


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


class DeadLetters:
    """The queue itself: put a letter in, look without taking, take some for a while, and give
    each back (visible again at once) or remove it."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs, self._queue = sqs, queue_url

    def put(self, body: str) -> None:
        """Raises if the queue refuses it: the caller's invocation fails and Lambda retries it."""
        self._sqs.send_message(QueueUrl=self._queue, MessageBody=body)

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

    def take(self, count: int = 10, visibility_s: int = 60) -> list[DeadLetter]:
        """Up to `count` (at most 10) letters, out of view for `visibility_s` while they are tried."""
        return [read_dead_letter(m) for m in self._receive(visibility_s=visibility_s, count=min(count, 10))]

    def remove(self, letter: DeadLetter) -> None:
        self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=letter.receipt)

    def give_back(self, letter: DeadLetter) -> None:
        """Back in view at once for the next list or retry."""
        self._sqs.change_message_visibility(QueueUrl=self._queue, ReceiptHandle=letter.receipt, VisibilityTimeout=0)

    def _receive(self, visibility_s: int, count: int = 10) -> list[dict[str, Any]]:
        resp = self._sqs.receive_message(
            QueueUrl=self._queue,
            MaxNumberOfMessages=count,
            VisibilityTimeout=visibility_s,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return list(resp.get("Messages", []))
