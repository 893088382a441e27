"""The CLI's output: relative times at a fixed `now`, tables and the monitor card with them, and
apply's progress bar on a terminal and off one."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import heartbeat_cli as cli
from heartbeat.domain.words import duration, schedule
from heartbeat_cli.output import colour_wanted, printable, timestamp
from heartbeat_cli.views import painter, run_durations

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


def test_monitor_card_shows_times_to_the_minute_and_relative() -> None:
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
    assert "  last ping      2026-12-03 15:27 UTC (3 min ago)" in lines
    assert "  deadline       2026-12-03 17:30 UTC (in 2 h)" in lines
    assert "  created        2026-11-30 15:30 UTC (3 d ago)" in lines
    assert "  schedule       every hour, grace 1 min" in lines


def test_a_down_monitors_card_says_since_when_and_why_and_its_last_body() -> None:
    monitor = {
        "id": "m1", "name": "Backup", "status": "down", "description": "pg_dump\x1b[2J of the main db",
        "config": {"schedule": "0 2 * * *", "timezone": "Europe/Riga", "gracePeriod": 1800, "maxRuntime": 5400},
        "downSince": "2026-12-03T14:30:00.000Z", "lastPingAt": "2026-12-03T14:29:00.000Z",
        "nextReminderAt": "2026-12-03T18:30:00.000Z",
    }  # fmt: skip
    ping = {"kind": "fail", "exitStatus": 3, "bodyPreview": "a\nb\nc\nd\ne\nf", "bodySize": 11}
    lines = cli.show_monitor(monitor, NOW, ping, {"cause": "exit_status"}).splitlines()
    assert lines[:5] == [
        "Backup",
        "  status         down since 2026-12-03 14:30 UTC (1 h ago): the job exited with a non-zero status",
        "  id             m1",
        "  description    pg_dump\\x1b[2J of the main db",  # a terminal's escape shown, not acted on
        "  schedule       daily at 02:00 Europe/Riga (0 2 * * *), grace 30 min",
    ]
    i = lines.index("  last ping      2026-12-03 14:29 UTC (1 h ago): fail, exit status 3")
    assert lines[i + 1 : i + 7] == [" " * 17 + f"| {c}" for c in "abcde"] + [
        " " * 17 + "| ... (heartbeat monitors pings shows more)"
    ]
    assert "  max runtime    1 h 30 min" in lines and "  next reminder  2026-12-03 18:30 UTC (in 3 h)" in lines


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "0 s"), (0.25, "0.2 s"), (9.5, "9.5 s"), (45, "45 s"), (90, "1 min 30 s"), (3600, "1 h"), (5400, "1 h 30 min"),
     (86400, "1 d"), (90000, "1 d 1 h"), (86401, "1 d")],
)  # fmt: skip
def test_durations_in_words(seconds: float, words: str) -> None:
    assert duration(seconds) == words


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"expectedInterval": 86400}, "every day"),
        ({"expectedInterval": 3600}, "every hour"),
        ({"expectedInterval": 900}, "every 15 min"),
        ({"expectedInterval": 5400}, "every 1 h 30 min"),
        ({"schedule": "0 2 * * *", "timezone": "UTC"}, "daily at 02:00"),
        ({"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga"}, "weekdays at 06:30 Europe/Riga"),
        ({"schedule": "0 9 * * MON,WED,FRI", "timezone": "UTC"}, "Monday, Wednesday and Friday at 09:00"),
        ({"schedule": "0 0 * * 6,0", "timezone": "UTC"}, "weekends at 00:00"),
        ({"schedule": "0 3 * * 0", "timezone": "UTC"}, "Sundays at 03:00"),
        ({"schedule": "*/5 * * * *", "timezone": "UTC"}, "every 5 min"),
        ({"schedule": "15 * * * *", "timezone": "UTC"}, "hourly at :15"),
        ({"schedule": "0 */6 * * *", "timezone": "UTC"}, "every 6 h at :00"),
        ({"schedule": "0 4 1 * *", "timezone": "UTC"}, "monthly on day 1 at 04:00"),
        ({"schedule": "@weekly", "timezone": "UTC"}, "Sundays at 00:00"),
        ({"schedule": "15 2,14 * * *", "timezone": "UTC"}, "cron 15 2,14 * * *"),  # said as it is, never wrong
        ({"schedule": "0 9 * 1-6 1-5", "timezone": "UTC"}, "cron 0 9 * 1-6 1-5"),
    ],
)
def test_schedules_in_words(config: dict[str, Any], words: str) -> None:
    assert schedule(config) == words


def test_a_table_is_cut_to_its_width_in_the_columns_that_may_be_cut() -> None:
    rows = [{"s": "down", "name": "n" * 80, "tags": "t" * 40, "when": "3 min ago"}]
    columns = [("s", "STATUS"), ("name", "NAME"), ("tags", "TAGS"), ("when", "WHEN")]
    lines = cli.table(rows, columns, width=60, shrink={"name": 10, "tags": 8}).splitlines()
    assert len(lines[0]) <= 60 and len(lines[1]) == 60
    assert lines[1] == "down    " + "n" * 19 + "…  " + "t" * 18 + "…  3 min ago"  # each cut as far past its least
    narrow = cli.table(rows, columns, width=20, shrink={"name": 10, "tags": 8}).splitlines()
    assert narrow[1] == "down    nnnnnnnnn…  ttttttt…  3 min ago"  # no narrower than allowed
    assert "n" * 80 + "  " + "t" * 40 in cli.table(rows, columns, width=200, shrink={"name": 10})  # fits: uncut


def test_status_is_coloured_only_where_colour_is_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"status": "down", "name": "a"}, {"status": "up", "name": "b"}]
    coloured = cli.table(rows, [("status", "STATUS"), ("name", "NAME")], paint=painter(True)).splitlines()
    assert coloured[1] == "\x1b[31mdown\x1b[0m    a" and coloured[2] == "\x1b[32mup\x1b[0m      b"
    assert "\x1b" not in cli.table(rows, [("status", "STATUS"), ("name", "NAME")], paint=painter(False))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_wanted(Terminal()) and not colour_wanted(io.StringIO())  # a pipe or a file: none
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted(Terminal())
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no-color.org says it does not count
    monkeypatch.setenv("TERM", "dumb")
    assert not colour_wanted(Terminal())


def test_each_run_gets_its_length_a_failed_one_too() -> None:
    def ping(n: int, kind: str, at: str, rid: str | None = None, took: float | None = None) -> dict[str, Any]:
        return {"n": n, "kind": kind, "at": f"2026-12-03T15:{at}Z", "rid": rid, "durationSeconds": took}

    pings = [  # newest first, as the API lists them
        ping(7, "success", "29:00", None, 30.0),  # the API paired it: its length stands
        ping(6, "start", "28:30"),
        ping(5, "fail", "20:00", "b"),  # overlapping runs, paired by rid
        ping(4, "fail", "12:00", "a"),
        ping(3, "start", "10:00", "b"),
        ping(2, "start", "09:00", "a"),
        ping(1, "fail", "05:00"),  # its start is on another page: no length
    ]
    assert run_durations(pings) == {7: 30.0, 5: 600.0, 4: 180.0}


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
