"""Shared fixtures: the harness (real handlers over moto, resources from template.yaml) per test."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from heartbeat.adapters.http import RetryPolicy
from heartbeat_local.targetserver import TargetServer
from heartbeat_local.template import Template
from tests.harness import Clock, Stack


@pytest.fixture(scope="session")
def template() -> Template:
    return Template()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stack(aws: None, template: Template, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    refs = template.create_resources(boto3.Session(), "test")
    for key, value in template.function_env(refs).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    # moto is not thread-safe for transactions; the concurrent test serialises requests itself.
    monkeypatch.setenv("SWEEP_WORKERS", "1")
    monkeypatch.setenv("APPLY_WORKERS", "1")
    monkeypatch.setenv("ALLOW_HTTP_TARGETS", "1")  # chat targets are local HTTP servers here
    stack = Stack(template, refs, clock)
    # SNS → notifier as Lambda runs it (synchronously here, so a test sees the delivery at once),
    # with retries quick enough for tests; their timing has its own unit tests.
    stack.modules["NotifierFunction"].notifier._policy = RetryPolicy(attempts=3, base_s=0.01, budget_s=5, timeout_s=2)
    with stack.notifier_bridge(background=False):
        yield stack


@pytest.fixture
def target() -> Iterator[TargetServer]:
    """A stand-in for Slack, PagerDuty and the rest (heartbeat_local.targetserver)."""
    server = TargetServer()
    yield server
    server.close()
