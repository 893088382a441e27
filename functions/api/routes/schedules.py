"""A schedule in words and its next runs before it is saved: the dashboard's cron editor previews
what it would store, with the API's own validation messages."""

from __future__ import annotations

from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field
from schemas.fields import CronExpression, Out, TimezoneName

from heartbeat.domain import schedules, words
from routes.shared import documented

router = Router()


class SchedulePreviewOut(Out):
    scheduleWords: str
    nextExpected: list[str] = Field(description="the next three runs, in the zone given")


@router.get("/api/v1/schedule-preview", responses=documented(SchedulePreviewOut))
def schedule_preview(
    schedule: Annotated[CronExpression, Query()],
    timezone: Annotated[TimezoneName, Query()] = "UTC",
) -> Response[dict]:
    """A cron line in words and its next three runs in `timezone`; 422 names what is wrong, as a
    monitor's create or change would."""
    return Response(
        200,
        "application/json",
        {
            "scheduleWords": words.schedule({"schedule": schedule, "timezone": timezone}),
            "nextExpected": schedules.upcoming(schedule, timezone, deps.now_ms()),
        },
    )
