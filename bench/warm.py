"""3. Warm handler cost per ping, two ways.

Stubber: the real ping handler with DynamoDB answered by botocore's Stubber, which skips most of
botocore's request path (no signing, no HTTP, no response parsing): our code alone.
Real path: the same handler through botocore's whole request path to a DynamoDB endpoint on this
machine (moto's server, in its own threads), timed as the handler thread's CPU, so the endpoint's
work and the wait for it are left out. Lambda bills the real path, plus the round trips' wait.
"""

from __future__ import annotations

import copy
import os
import time

from bench.common import FAKE_AWS, Row, median, pct

PINGS = 5000
WARMUP = 300
MONITORS = 200  # 27 pings each: under a monitor's burst of 50
REAL_PINGS = 1000  # each a real UpdateItem and PutItem over loopback: about 10 ms of wall time


def run() -> list[Row]:
    from botocore.stub import Stubber

    from heartbeat.domain.tokens import new_token
    from heartbeat_local.lambdas import LambdaContext, load_module
    from heartbeat_local.template import ROOT
    from tests.harness import load_event, sample_monitor

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
            fleet.append((event, module.deps.store.monitors.item(sample_monitor(token=token))))
        with Stubber(module.deps.store.table.client) as stub:
            for i in range(PINGS + WARMUP):
                event, old_item = fleet[i % MONITORS]
                stub.add_response("update_item", {"Attributes": old_item})
                stub.add_response("put_item", {})
                e = copy.deepcopy(event)  # each invocation gets its own event, as in Lambda
                start = time.thread_time_ns()  # CPU, as the real path is timed: a busy machine adds no wait
                result = module.lambda_handler(e, context)
                elapsed = time.thread_time_ns() - start
                assert result["statusCode"] == 200, result
                if i >= WARMUP:
                    timings.append(elapsed / 1000)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    p50, p99 = median(timings), pct(timings, 99)
    real = real_path()
    return [
        # The real path first: `make bench` prices Lambda's duration from the first row.
        Row(
            "warm ping",
            "handler CPU p50, botocore's real request path",
            f"{median(real):.0f} us",
            note=f"{REAL_PINGS} pings over loopback to moto's server; the handler thread's CPU only",
        ),
        Row("warm ping", "handler CPU p99, botocore's real request path", f"{pct(real, 99):.0f} us"),
        Row(
            "warm ping",
            "handler overhead p50 (Stubber: our code, no request path)",
            f"{p50:.0f} us",
            "< 1000 us",
            p50 < 1000,
            f"{PINGS} pings over {MONITORS} monitors",
        ),
        Row(
            "warm ping",
            "handler overhead p99 (Stubber)",
            f"{p99:.0f} us",
            "< 1000 us",
            p99 < 1000,
            "reference: Healthchecks (Django) ~2,350-2,900 us of CPU in the app + ~670 us in PostgreSQL a ping",
        ),
    ]


def real_path() -> list[float]:
    """Thread CPU time (us) of each warm ping through botocore's whole path to a local endpoint."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    from heartbeat.domain.tokens import new_token
    from heartbeat_local.lambdas import LambdaContext, load_module
    from heartbeat_local.template import ROOT, Template
    from tests.harness import load_event, sample_monitor

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = dict(os.environ)
    try:
        os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL=f"http://{host}:{port}", POWERTOOLS_LOG_LEVEL="ERROR")
        template = Template()
        refs = template.create_resources(boto3.Session(), "bench")
        os.environ.update(template.function_env(refs))
        module = load_module(ROOT / "functions" / "ping", "ping")
        base = load_event("ping-success")
        events = []
        for token in (new_token() for _ in range(MONITORS)):
            module.deps.store.table.put(module.deps.store.monitors.item(sample_monitor(token=token)))
            event = copy.deepcopy(base)
            event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v1/heartbeat/{token}"
            event["pathParameters"] = {"token": token}
            events.append(event)
        context, timings = LambdaContext("PingFunction"), []
        for i in range(REAL_PINGS + WARMUP // 3):
            e = copy.deepcopy(events[i % MONITORS])
            start = time.thread_time_ns()
            result = module.lambda_handler(e, context)
            elapsed = time.thread_time_ns() - start
            assert result["statusCode"] == 200, result
            if i >= WARMUP // 3:
                timings.append(elapsed / 1000)
        return timings
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
