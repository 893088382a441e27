"""SNS → chat and incident targets (Slack, PagerDuty, ...): each alert to every target that wants it.

What a target does not take goes to the dead-letter queue; should that fail too, the invocation
fails, Lambda retries it and at last keeps the event in the same queue.
"""

from __future__ import annotations

import deps
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from heartbeat.domain.model import AUDIENCE

logger = Logger(service="heartbeat-notifier")


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=SnsModel)
def lambda_handler(event: SnsModel, context: LambdaContext) -> dict:
    delivered = failed = 0
    for record in event.Records:
        attributes = record.Sns.MessageAttributes or {}
        audience = attributes["audience"].Value if "audience" in attributes else AUDIENCE
        outcomes = deps.notifier.notify(str(record.Sns.Message), record.Sns.Subject, audience, deps.now_ms())
        for target_id, outcome in outcomes.items():
            # The target's id and the outcome only: its URL or key is a secret.
            if outcome.delivered:
                delivered += 1
                logger.info("delivered", target=target_id, attempts=outcome.attempts)
            else:
                failed += 1
                logger.error("dead-lettered", target=target_id, attempts=outcome.attempts, error=outcome.error)
    return {"delivered": delivered, "deadLettered": failed}
