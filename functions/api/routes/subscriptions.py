"""Who hears of alerts (subscriptions and targets), and the alerts that could not be delivered."""

from __future__ import annotations

from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from schemas.subscriptions import (
    FailedAlertPage,
    RetryOut,
    SubscriptionCreate,
    SubscriptionOut,
    SubscriptionPage,
    TestAlertOut,
    dead_letter_json,
    filter_of,
    retry_json,
    subscription_json,
    target_of,
)

from routes.shared import documented

router = Router()


@router.post("/api/v1/subscriptions", responses=documented(SubscriptionOut, 201))
def add_subscription(spec: Annotated[SubscriptionCreate, Body()]) -> Response[dict]:
    """Subscribe an endpoint to the alerts its filter picks; email and https wait for confirmation."""
    subscriptions = deps.subscriptions()
    sub = subscriptions.add(spec.protocol, spec.endpoint, filter_of(spec.filter), target_of(spec), deps.now_ms())
    deps.logger.info("subscription added", protocol=sub.protocol, pending=sub.pending)
    return Response(201, "application/json", subscription_json(sub))


@router.get("/api/v1/subscriptions", responses=documented(SubscriptionPage))
def list_subscriptions() -> Response[dict]:
    items = [subscription_json(s) for s in deps.subscriptions().listing()]
    return Response(200, "application/json", {"items": items, "nextCursor": None})


@router.delete("/api/v1/subscriptions/<subscription_id>", responses=documented(None, 204))
def remove_subscription(subscription_id: str) -> Response[str]:
    deps.subscriptions().remove(subscription_id)
    deps.logger.info("subscription removed", subscription_id=subscription_id)
    return Response(204, None, "")


@router.post("/api/v1/subscriptions/<subscription_id>/test", responses=documented(TestAlertOut, 202))
def test_subscription(subscription_id: str) -> Response[dict]:
    """Send a test alert through SNS to this subscription alone."""
    message_id = deps.subscriptions().test(subscription_id, deps.now_ms())
    deps.logger.info("test alert sent", subscription_id=subscription_id)
    return Response(202, "application/json", {"messageId": message_id})


@router.get("/api/v1/alerts/failed", responses=documented(FailedAlertPage))
def failed_alerts(limit: Annotated[int, Query(ge=1, le=100)] = 100) -> Response[dict]:
    """Alerts that could not be delivered, waiting in the dead-letter queue."""
    items = [dead_letter_json(letter) for letter in deps.dead_letters().peek(limit)]
    return Response(200, "application/json", {"items": items})


@router.post("/api/v1/alerts/retry", responses=documented(RetryOut))
def retry_alerts() -> Response[dict]:
    """Deliver up to 10 dead-lettered alerts again; those delivered leave the queue."""
    report = deps.retrier().retry_dead_letters()
    deps.logger.info("dead letters retried", **retry_json(report))
    return Response(200, "application/json", retry_json(report))
