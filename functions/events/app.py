"""AWS workloads' run events from EventBridge's default bus (template.yaml's rule: ECS tasks,
Batch jobs, Step Functions executions, Glue jobs, CodeBuild builds, asynchronous Lambda results)
become pings of the monitors whose `config.events` patterns match them.

EventBridge invokes this asynchronously: a failure (DynamoDB unavailable) raises, Lambda retries
it, and what a retry finds already recorded is ignored as a duplicate.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import TYPE_CHECKING

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.clock import now_ms
from heartbeat.settings import Settings
from heartbeat.store import Store
from heartbeat.usecases.events import EventMonitorsCache, record_event
from heartbeat.usecases.pings import RulesCache

if TYPE_CHECKING:
    from heartbeat.adapters.sns import SnsPublisher

settings = Settings.from_env()
logger = Logger(service="heartbeat-events")
store = Store.from_settings(settings, boto3.client("dynamodb"))
monitors = EventMonitorsCache(store)  # the event-fed monitors' patterns, for as long as this Lambda is warm
rules_cache = RulesCache()


@functools.cache
def publisher() -> SnsPublisher:
    # Created on first use: only runs that open or resolve an incident publish.
    from heartbeat.adapters.sns import SnsPublisher
    from heartbeat.adapters.ssm import public_url

    links = public_url(settings.public_url, boto3.client("ssm"), settings.public_url_parameter)
    return SnsPublisher(boto3.client("sns"), settings.topic_arn, links)


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict:
    outcome = record_event(store, publisher, monitors, event.raw_event, now_ms(), rules_cache)
    if outcome.pinged or outcome.duplicate:
        logger.info(
            "run event", source=event.source, detail_type=event.detail_type, event_id=event.get_id, **asdict(outcome)
        )
    return asdict(outcome)
