"""`make smoke` against the local stack (a child process on a free port, sweeping every half second),
as it would run against a deployment."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from heartbeat_local.deploy import smoke
from heartbeat_local.localproc import LocalStackProcess


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalStackProcess]:
    running = LocalStackProcess(tmp_path / "state", None, f"hb_{secrets.token_urlsafe(32)}", sweep_seconds=0.5)
    yield running
    running.stop()


def test_smoke_checks_a_stack_end_to_end_and_leaves_nothing_behind(local: LocalStackProcess, capsys) -> None:  # type: ignore[no-untyped-def]
    assert smoke.main(["--url", local.url, "--key", local.admin_key, "--timeout", "20"]) == 0
    out = capsys.readouterr().out
    for seen in ("created smoke-", ": up", "down after", "incident", "open, cause missed", "resolved", "deleted"):
        assert seen in out, out
    status, monitors = smoke.Client(local.url, local.admin_key)("GET", "/api/v1/monitors")
    assert status == 200 and monitors["items"] == []


def test_smoke_fails_clearly_on_a_wrong_key(local: LocalStackProcess, capsys) -> None:  # type: ignore[no-untyped-def]
    assert smoke.main(["--url", local.url, "--key", "hb_wrong", "--timeout", "5"]) == 1
    assert "create a monitor: HTTP 401" in capsys.readouterr().err
