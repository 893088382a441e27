"""SNS subscriptions of Lambda functions, run in this process, for the local stack and the tests.

moto evaluates the topic's filter policies itself, but hands a Lambda subscription's message to its
Lambda emulation, which starts functions in Docker and names no subscription in the event. This
bridge takes over only that last step, as the Lambda service does: it builds the event SNS sends
(with EventSubscriptionArn; of a MessageStructure=json publish, the `lambda` message, else the
`default` one), invokes the handler asynchronously, retries a failure twice, and then keeps the
event in the function's dead-letter queue with Lambda's error attributes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from moto.sns.models import Subscription

Handler = Callable[[dict[str, Any]], Any]
log = logging.getLogger(__name__)


def sns_event(subscription_arn: str, topic_arn: str, message_id: str, message: str, subject: str | None,
              attributes: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    region = topic_arn.split(":")[3]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "SignatureVersion": "1",
                    "Signature": "local",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/local.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
                    "MessageAttributes": {
                        name: {"Type": a["Type"], "Value": a["Value"]} for name, a in (attributes or {}).items()
                    },
                },
            }
        ]
    }


class SnsLambdaBridge:
    """Functions by ARN, each with the dead-letter sender of its template's DeadLetterQueue."""

    def __init__(self, background: bool, retries: int = 2) -> None:
        self._functions: dict[str, tuple[Handler, Callable[[dict[str, Any], Exception], None]]] = {}
        self._retries = retries
        # One at a time, like moto's single-writer tables want; a slow target never holds up a publish.
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="sns-lambda") if background else None

    def register(self, function_arn: str, handler: Handler, dead_letter: Any, queue_url: str) -> None:
        def keep(event: dict[str, Any], error: Exception) -> None:
            dead_letter.send_message(
                QueueUrl=queue_url,
                MessageBody=json.dumps(event),
                MessageAttributes={
                    "ErrorCode": {"DataType": "String", "StringValue": "200"},
                    "ErrorMessage": {"DataType": "String", "StringValue": f"{type(error).__name__}: {error}"[:256]},
                },
            )

        self._functions[function_arn] = (handler, keep)

    def _invoke(self, function_arn: str, event: dict[str, Any]) -> None:
        handler, keep = self._functions[function_arn]
        for attempt in range(1 + self._retries):
            try:
                handler(event)
                return
            except Exception as error:
                log.warning("%s failed (attempt %d): %s", function_arn.rsplit(":", 1)[-1], attempt + 1, error)
                last = error
        keep(event, last)

    def deliver(self, function_arn: str, event: dict[str, Any]) -> None:
        """As Lambda takes an event source's invocation: in the background (inline if not)."""
        if self._pool:
            self._pool.submit(self._invoke, function_arn, event)
        else:
            self._invoke(function_arn, event)

    @contextmanager
    def patched(self, owner: Any, name: str, replacement: Callable[[Any], Any]) -> Iterator[Any]:
        """`owner.name` (a moto method) replaced by `replacement(original)` while in the context."""
        original = getattr(owner, name)
        setattr(owner, name, replacement(original))
        try:
            yield self
        finally:
            setattr(owner, name, original)
            if self._pool:
                self._pool.shutdown(wait=False, cancel_futures=True)  # one in flight is Lambda's, not ours

    def installed(self) -> Any:
        """A context in which moto's SNS hands the registered functions' subscriptions to them here."""
        bridge = self

        def replacement(original: Any) -> Any:
            def publish(
                sub: Subscription,
                message: str,
                message_id: str,
                subject: str | None = None,
                message_attributes: dict[str, Any] | None = None,
                *args: Any,
                **kwargs: Any,
            ) -> None:
                if sub.protocol != "lambda" or sub.endpoint not in bridge._functions:
                    return original(sub, message, message_id, subject, message_attributes, *args, **kwargs)
                matcher = sub._filter_policy_matcher
                if matcher is not None and not matcher.matches(message_attributes, message):
                    return None
                if kwargs.get("message_structure") == "json":  # a Lambda gets `lambda`, else `default`, as from SNS
                    message = sub._parse_message_structure(message, sub.protocol)
                event = sns_event(sub.arn, sub.topic.arn, message_id, message, subject, message_attributes)
                bridge.deliver(sub.endpoint, event)
                return None

            return publish

        return self.patched(Subscription, "publish", replacement)
