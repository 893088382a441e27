"""Publishing alerts to the SNS topic, with the message attributes subscriptions filter on."""

from __future__ import annotations

import json
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.domain.errors import Unavailable
from heartbeat.domain.model import AUDIENCE, Alert


class Publisher(Protocol):
    def publish(self, alert: Alert) -> str:
        """The message id; raises Unavailable when the publish failed."""
        ...


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._sns = client
        self._topic = topic_arn

    def publish(self, alert: Alert) -> str:
        attributes: dict[str, Any] = {
            "event": {"DataType": "String", "StringValue": alert.event.value},
            "monitor_id": {"DataType": "String", "StringValue": alert.monitor_id},
            "alert_id": {"DataType": "String", "StringValue": alert.id},
            "audience": {"DataType": "String", "StringValue": AUDIENCE},  # not a test alert
        }
        if alert.tags:  # SNS refuses an empty String.Array
            attributes["tags"] = {"DataType": "String.Array", "StringValue": json.dumps(alert.tags)}
        try:
            resp = self._sns.publish(
                TopicArn=self._topic, Subject=alert.subject, Message=alert.message, MessageAttributes=attributes
            )
        except ClientError as e:
            raise Unavailable(str(e.response.get("Error", {}).get("Code", "ClientError"))) from e
        except BotoCoreError as e:
            raise Unavailable(type(e).__name__) from e
        return str(resp["MessageId"])
