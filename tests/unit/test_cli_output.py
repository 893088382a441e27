"""The CLI's output: relative times at a fixed `now`, tables and the monitor card with them, and
apply's progress bar on a terminal and off one."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from heartbeat_tools import cli
from heartbeat_tools.cli.output import printable, timestamp

NOW = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (0.4, "now"),  # a few milliseconds either side round to now
        (-1, "1 s ago"),
        (-59, "59 s ago"),
        (-60, "1 min ago"),
        (-180, "3 min ago"),
        (-3_599, "59 min ago"),  # whole units, rounded down
        (45, "in 45 s"),
        (7_200, "in 2 h"),
        (86_399, "in 23 h"),
        (-86_400 * 3 - 5, "3 d ago"),
    ],
)
def test_a_time_reads_relative_to_now(seconds: float, text: str) -> None:
    assert cli.relative(NOW + timedelta(seconds=seconds), NOW) == text


def test_api_times_get_their_relative_form_after_them() -> None:
    assert timestamp("2026-12-03T15:27:00.000Z", NOW) == "2026-12-03T15:27:00.000Z (3 min ago)"
    assert timestamp("2026-12-03T19:30:00+02:00", NOW) == "2026-12-03T19:30:00+02:00 (in 2 h)"  # a cron's zone
    assert timestamp(None, NOW) is None and timestamp(42, NOW) == 42
    assert timestamp("soon", NOW) == "soon" and timestamp("2026-12-03T15:27:00", NOW) == "2026-12-03T15:27:00"


def test_tables_show_times_relative_too_and_only_times() -> None:
    rows = [{"name": "a", "lastPingAt": "2026-12-03T15:27:00Z", "nextDeadline": "2026-12-03T17:30:00Z"}]
    columns = [("name", "NAME"), ("lastPingAt", "LAST PING"), ("nextDeadline", "NEXT DEADLINE")]
    assert cli.table(rows, columns, NOW).splitlines() == [
        "NAME  LAST PING                         NEXT DEADLINE",
        "a     2026-12-03T15:27:00Z (3 min ago)  2026-12-03T17:30:00Z (in 2 h)",
    ]
    assert cli.table(rows, columns).splitlines()[1] == "a     2026-12-03T15:27:00Z  2026-12-03T17:30:00Z"


def test_monitor_card_shows_times_relative_too() -> None:
    monitor = {
        "id": "m1",
        "name": "Backup",
        "status": "up",
        "config": {"expectedInterval": 3600, "gracePeriod": 60},
        "lastPingAt": "2026-12-03T15:27:00.000Z",
        "nextDeadline": "2026-12-03T17:30:00.000Z",
        "createdAt": "2026-11-30T15:30:00.000Z",
    }
    lines = cli.show_monitor(monitor, NOW).splitlines()
    assert "last ping          2026-12-03T15:27:00.000Z (3 min ago)" in lines
    assert "next deadline      2026-12-03T17:30:00.000Z (in 2 h)" in lines
    assert "created            2026-11-30T15:30:00.000Z (3 d ago)" in lines
    assert "schedule           every 3600 s" in lines


class PlanningApi:
    """Answers apply's plan with N monitors to create, and records the writes."""

    def __init__(self, creates: int) -> None:
        self.creates, self.writes = creates, 0

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        if (query or {}).get("dryRun"):
            counts = {"create": self.creates, "update": 0, "unchanged": 0, "delete": 0}
            return {"changes": [], "subscriptionChanges": [], "summary": counts, "subscriptionSummary": counts}
        self.writes += 1
        return {}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def bulk_file(tmp_path: Any, count: int) -> str:
    path = tmp_path / "bulk.yml"
    path.write_text('version: "1"\nmonitors:\n' + "".join(f"  - name: job {i}\n" for i in range(count)))
    return str(path)


def test_apply_draws_a_progress_bar_on_a_terminal(tmp_path: Any) -> None:
    api, terminal = PlanningApi(450), Terminal()
    out = cli.apply_file(api, bulk_file(tmp_path, 450), dry_run=False, prune="none", progress=terminal)
    assert out == "Applied: 450 created, 0 updated, 0 unchanged, 0 deleted." and api.writes == 3
    drawn = terminal.getvalue()
    assert "applying  [" in drawn and "200/450" in drawn and "450/450" in drawn and "#" * 30 in drawn


def test_apply_off_a_terminal_writes_its_progress_as_plain_lines(tmp_path: Any) -> None:
    api, log = PlanningApi(450), io.StringIO()
    cli.apply_file(api, bulk_file(tmp_path, 450), dry_run=False, prune="none", progress=log)
    assert log.getvalue() == "".join(
        f"\rapplying [{'#' * (30 * n // 450):<30}] {n}/450" for n in (200, 400, 450)
    ) + "\n"  # fmt: skip
    assert "\x1b" not in log.getvalue()  # no terminal codes in a log


def test_a_small_file_applies_without_progress(tmp_path: Any) -> None:
    log = io.StringIO()
    cli.apply_file(PlanningApi(3), bulk_file(tmp_path, 3), dry_run=False, prune="none", progress=log)
    assert log.getvalue() == ""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Nightly Backup: café 日本", "Nightly Backup: café 日本"),  # printable as it is
        ("a\x1b[2Jb", "a\\x1b[2Jb"),  # an escape sequence (clear the screen)
        ("a\nb\r\tc", "a\\nb\\r\\tc"),  # a line of its own, a carriage return
        ("a\u202eb\u2028c\x00", "a\\u202eb\\u2028c\\x00"),  # a bidi override, a line separator, NUL
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown
