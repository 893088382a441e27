"""The local stack as `make dev` runs it, on its own port and state dir, with a webhook taking its
alerts: shared by the end-to-end tests that drive it the way a user does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from heartbeat_local.localproc import LocalStackProcess, Webhook

ADMIN_KEY = "hb_e2e-test-admin-key-0123456789abcdefghijklmnopq"


def start_stack(state_dir: Path, webhook: str, fresh: bool = False) -> LocalStackProcess:
    return LocalStackProcess(state_dir, webhook, ADMIN_KEY, sweep_seconds=0.5, fresh=fresh)


def wait_for(condition: Callable[[], Any], seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds}s")


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def stack(tmp_path: Path, webhook: Webhook) -> Iterator[LocalStackProcess]:
    running = start_stack(tmp_path / "state", webhook.url)
    yield running
    assert running.stop() == 0, "".join(running.lines[-200:])
