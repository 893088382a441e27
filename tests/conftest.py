"""Shared fixtures: the harness (real handlers over moto, resources from template.yaml) per test."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from heartbeat.adapters.http import RetryPolicy
from heartbeat_local.targetserver import TargetServer
from heartbeat_local.template import Template
from tests.harness import Clock, Stack


@pytest.fixture(scope="session")
def template() -> Template:
    return Template()


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """One boto3 session for the whole run, the default one the handlers' `boto3.client` calls use.
    A new session reads botocore's service models from disk again: moto's fresh session per test
    made that half of what building a stack cost. moto resets its backends per test all the same."""
    import moto  # noqa: F401 - first: a session has moto's hook only if made after moto's import

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    return boto3.DEFAULT_SESSION


class SetupClients:
    """The clients that build each test's table, topics and queues, made once for the run: making a
    client costs as much as the calls that create a stack's resources."""

    def __init__(self, session: boto3.Session) -> None:
        self.client: Any = functools.cache(session.client)


@pytest.fixture(scope="session")
def setup_clients(boto_session: boto3.Session) -> SetupClients:
    return SetupClients(boto_session)


@pytest.fixture
def aws(boto_session: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto_session)  # a test that replaced it gets it back
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        yield


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stack(
    aws: None, setup_clients: SetupClients, template: Template, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    refs = template.create_resources(setup_clients, "test")
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
    stack.modules["NotifierFunction"].deps.notifier._policy = RetryPolicy(
        attempts=3, base_s=0.01, budget_s=5, timeout_s=2
    )
    with stack.notifier_bridge(background=False):
        yield stack


@pytest.fixture
def target() -> Iterator[TargetServer]:
    """A stand-in for Slack, PagerDuty and the rest (heartbeat_local.targetserver)."""
    server = TargetServer()
    yield server
    server.close()
