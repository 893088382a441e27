"""3. Warm handler overhead per ping: the real ping handler with DynamoDB answered by botocore's
Stubber (no network), so the figure is our code plus botocore's request building, nothing else."""

from __future__ import annotations

import copy
import os
import time

from bench.common import FAKE_AWS, Row, median, pct

PINGS = 5000
WARMUP = 300
MONITORS = 200  # 27 pings each: under a monitor's burst of 50


def run() -> list[Row]:
    from botocore.stub import Stubber

    from heartbeat.domain.tokens import new_token
    from heartbeat_tools.harness import load_event, sample_monitor
    from heartbeat_tools.lambdas import LambdaContext, load_module
    from heartbeat_tools.template import ROOT

    saved = dict(os.environ)
    os.environ.update(
        FAKE_AWS,
        TABLE_NAME="bench",
        ALERTS_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:bench",
        POWERTOOLS_LOG_LEVEL="ERROR",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        module = load_module(ROOT / "functions" / "ping", "ping")
        template = load_event("ping-success")
        context = LambdaContext("PingFunction")
        timings: list[float] = []
        # A fleet's pings, each monitor well within its own rate limit (whose check is timed too).
        # What DynamoDB returns for the ping's write: the monitor as it was (ReturnValues=ALL_OLD).
        fleet = []
        for token in (new_token() for _ in range(MONITORS)):
            event = copy.deepcopy(template)
            event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v1/heartbeat/{token}"
            event["pathParameters"] = {"token": token}
            fleet.append((event, module.store.monitors.item(sample_monitor(token=token))))
        with Stubber(module.store.table.client) as stub:
            for i in range(PINGS + WARMUP):
                event, old_item = fleet[i % MONITORS]
                stub.add_response("update_item", {"Attributes": old_item})
                stub.add_response("put_item", {})
                e = copy.deepcopy(event)  # each invocation gets its own event, as in Lambda
                start = time.perf_counter_ns()
                result = module.lambda_handler(e, context)
                elapsed = time.perf_counter_ns() - start
                assert result["statusCode"] == 200, result
                if i >= WARMUP:
                    timings.append(elapsed / 1000)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    p50, p99 = median(timings), pct(timings, 99)
    return [
        Row(
            "warm ping",
            "handler overhead p50",
            f"{p50:.0f} us",
            "< 1000 us",
            p50 < 1000,
            f"{PINGS} pings over {MONITORS} monitors, Stubber",
        ),
        Row(
            "warm ping",
            "handler overhead p99",
            f"{p99:.0f} us",
            "< 1000 us",
            p99 < 1000,
            "reference: a Django-based monitor ~4,600 us of CPU per ping",
        ),
    ]
