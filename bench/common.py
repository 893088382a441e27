"""What every benchmark shares: a result row, percentiles, and a moto-backed stack."""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    section: str
    figure: str
    value: str
    target: str = ""
    met: bool | None = None  # None: a figure with no target
    note: str = ""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


FAKE_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


@contextlib.contextmanager
def moto_stack(extra_env: dict[str, str] | None = None) -> Iterator[Any]:
    """The harness Stack (real handlers over in-process moto), with env restored afterwards."""
    import boto3
    from moto import mock_aws

    from heartbeat_local.template import Template
    from tests.harness import Clock, Stack

    saved = dict(os.environ)
    try:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        os.environ.update(FAKE_AWS)
        with mock_aws():
            template = Template()
            refs = template.create_resources(boto3.Session(), "bench")
            os.environ.update(template.function_env(refs))
            os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR", **(extra_env or {})})
            stack = Stack(template, refs, Clock())
            with stack.notifier_bridge(background=False):  # SNS invokes the notifier, as deployed
                yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved)
