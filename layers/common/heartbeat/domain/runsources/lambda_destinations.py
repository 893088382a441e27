"""AWS Lambda: an asynchronous invocation's result, which Lambda puts on EventBridge when the
function's success and failure destinations are the default event bus. Each result is a whole
run: a success or a failure (with the error the function raised), never a start."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import Arn, D, Found, Reader, RunSource, mapping, text

SOURCE = "lambda"
SUCCESS, FAILURE = "Lambda Function Invocation Result - Success", "Lambda Function Invocation Result - Failure"


def reader(kind: PingKind) -> Reader:
    def read(d: dict[str, Any], region: str) -> Found | None:
        context = mapping(d, "requestContext", D)
        where = f"{D}requestContext."
        arn, request = text(context, "functionArn", where), text(context, "requestId", where)
        payload = d.get("responsePayload")
        lines = [f"invocation {request} of {arn}: {context.get('condition', '')}"]
        if isinstance(payload, dict) and (payload.get("errorType") or payload.get("errorMessage")):
            lines.append(f"{payload.get('errorType', 'Error')}: {payload.get('errorMessage', '')}")
        name = arn.split(":")[6] if arn.count(":") >= 6 else ""
        lines.append(f"https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{name}")
        return kind, request, lines, None

    return read


def discover(arn: Arn, target: dict[str, Any]) -> dict[str, Any] | None:
    """A function target: its results, whichever version or alias ran."""
    if arn.service != "lambda" or not arn.resource.startswith("function:"):
        return None
    function = ":".join(str(arn).split(":")[:7])  # without a version or alias: the result names the one run
    return {"source": [SOURCE], "detail-type": [SUCCESS, FAILURE], "resources": [function, {"prefix": function + ":"}]}


RUN_SOURCE = RunSource(
    SOURCE,
    {SUCCESS: reader(PingKind.SUCCESS), FAILURE: reader(PingKind.FAIL)},
    discover,
    discovery_note="Lambda reports runs through its asynchronous invocation destinations: "
    "set both (success and failure) to the default event bus",
)
