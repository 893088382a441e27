"""AWS workloads' run events from EventBridge's default bus (template.yaml's rule: ECS tasks,
Batch jobs, Step Functions executions, Glue jobs, CodeBuild builds, asynchronous Lambda results)
become pings of the monitors whose `config.events` patterns match them.

EventBridge invokes this asynchronously: a failure (DynamoDB unavailable) raises, Lambda retries
it, and what a retry finds already recorded is ignored as a duplicate.
"""

from __future__ import annotations

from dataclasses import asdict

import deps
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.usecases.events import EventMonitorsCache, record_event
from heartbeat.usecases.pings import RulesCache

logger = Logger(service="heartbeat-events")
monitors = EventMonitorsCache(deps.store)  # the event-fed monitors' patterns, for as long as this Lambda is warm
rules_cache = RulesCache()


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict:
    outcome = record_event(deps.store, deps.publisher, monitors, event.raw_event, deps.now_ms(), rules_cache)
    if outcome.pinged or outcome.duplicate:
        logger.info(
            "run event", source=event.source, detail_type=event.detail_type, event_id=event.get_id, **asdict(outcome)
        )
    return asdict(outcome)
