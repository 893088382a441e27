"""Issue 31 (2, 4): the everyday views on a deployment of 15 monitors in every status, over the real
handlers: tables within 100 columns, down and late first, times relative, schedules in words; the
list's filters; a monitor's card with why and since when it is down and its last body; pings with
each run's length and id; incidents across monitors; `heartbeat status` and its exit status."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

import heartbeat_cli as cli
from tests.harness import HandlerApi, Stack

WIDTH = 100
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
LONG_NAME = "Nightly Backup of the main Postgres database (eu-west-1, every table and every schema)"


def session_clock(stack: Stack) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(stack.clock() / 1000, UTC)


def view(stack: Stack, *argv: str) -> str:
    return cli.run(list(argv), api=HandlerApi(stack), clock=session_clock(stack))


@pytest.fixture
def fleet(stack: Stack) -> dict[str, dict]:
    """15 monitors: 3 down (missed, exit status, timeout), 1 late, 1 running, 6 up, 2 new, 1 paused,
    and one more down that recovered (a resolved incident)."""
    made = {}

    def monitor(name: str, interval: int = 3600, grace: int = 600, **extra: object) -> dict:
        made[name] = stack.create_monitor(name, interval=interval, grace=grace, **extra)
        return made[name]

    monitor(LONG_NAME, interval=600, grace=60, tags=["db", "infrastructure", "eu-west-1"])
    monitor("Billing export", tags=["finance"])
    monitor("Queue Worker", config_extra={"maxRuntime": 60})
    monitor("Cache warmer", interval=600, grace=600)
    monitor("Importer", interval=86400, config_extra={"maxRuntime": 7200})
    for name in ("Reports", "Search index", "Thumbnails", "Mailer", "Sitemap", "Flaky"):
        monitor(name, tags=["web"])
    monitor("Offsite copy", interval=86400)
    monitor("New job")
    monitor("Paused job")
    reply = stack.request(
        "POST", "/api/v1/monitors",
        {"name": "Weekday reports", "config": {"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga"}},
    )  # fmt: skip
    made["Weekday reports"] = reply.json()
    for name in (LONG_NAME, "Cache warmer", "Reports", "Search index", "Thumbnails", "Mailer", "Sitemap"):
        stack.ping(made[name]["token"])
    stack.ping(made["Offsite copy"]["token"])
    stack.ping(made["Flaky"]["token"], "/fail")
    stack.ping(made["Queue Worker"]["token"], "/start")
    stack.request("POST", f"/api/v1/monitors/{made['Paused job']['id']}/pause")
    stack.clock.advance(700)  # the long-named one misses, the queue worker's run times out, the cache warmer is late
    stack.sweep()
    rid = str(uuid.uuid4())
    stack.ping(made["Billing export"]["token"], f"/start?rid={rid}")
    stack.clock.advance(95)
    stack.ping(made["Billing export"]["token"], f"/3?rid={rid}", "POST", "connecting to db\nERROR: disk full\nbye")
    stack.ping(made["Importer"]["token"], "/start")
    stack.ping(made["Flaky"]["token"])  # recovers: one resolved incident
    for name in ("Reports", "Search index", "Thumbnails", "Mailer", "Sitemap", "Flaky"):
        stack.ping(made[name]["token"])
    made["rid"] = {"rid": rid}
    return made


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def test_the_list_fits_100_columns_with_down_and_late_first(stack: Stack, fleet: dict[str, dict]) -> None:
    lines = view(stack, "monitors", "list").splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert cells(lines[0]) == ["STATUS", "NAME", "SCHEDULE", "GRACE", "LAST PING", "DEADLINE", "TAGS"]
    assert [cells(line)[0] for line in lines[1:]] == ["down"] * 3 + ["grace", "started"] + ["up"] * 7 + [
        "new", "new", "paused"
    ]  # fmt: skip
    assert cells(lines[1]) == ["down", "Billing export", "every hour", "10 min", "now", "finance"]
    long_one = cells(lines[2])
    assert long_one[0] == "down" and long_one[1] == "Nightly Backup of the m…"  # cut to fit
    assert long_one[2:] == ["every 10 min", "1 min", "13 min ago", "db, infr…"]
    assert cells(lines[4]) == ["grace", "Cache warmer", "every 10 min", "10 min", "13 min ago", "in 6 min"]
    assert cells(lines[-2]) == ["new", "Weekday reports", "weekdays at 06:30 Europ…", "1 h", "never"]
    assert not ISO_TIME.search("\n".join(lines))  # relative times only
    assert fleet["Billing export"]["id"] not in "\n".join(lines)  # no 32-character ids


def test_wide_shows_every_id_and_time_in_full(stack: Stack, fleet: dict[str, dict]) -> None:
    out = view(stack, "monitors", "list", "--wide")
    assert all(m["id"] in out for name, m in fleet.items() if name != "rid")
    assert LONG_NAME in out and ISO_TIME.search(out) and "weekdays at 06:30 Europe/Riga" in out


def test_the_list_filters_by_status_tag_and_name(stack: Stack, fleet: dict[str, dict]) -> None:
    def names(*flags: str) -> list[str]:
        return [cells(line)[1][:14] for line in view(stack, "monitors", "list", *flags).splitlines()[1:]]

    assert names("--status", "down") == ["Billing export", "Nightly Backup", "Queue Worker"]
    assert names("--status", "grace") == ["Cache warmer"]
    web = ["Flaky", "Mailer", "Reports", "Search index", "Sitemap", "Thumbnails"]
    assert names("--tag", "web", "--status", "up") == web
    assert names("--tag", "db", "--tag", "eu-west-1") == ["Nightly Backup"]
    assert names("--name", "s") == ["Search index", "Sitemap"]
    assert view(stack, "monitors", "list", "--name", "zzz") == "No monitors match."


def test_the_card_says_why_and_since_when_and_shows_the_last_body(stack: Stack, fleet: dict[str, dict]) -> None:
    lines = view(stack, "monitors", "get", "Billing export").splitlines()
    assert lines[0] == "Billing export"
    assert re.fullmatch(
        r"  status         down since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(now\): the job exited with a non-zero status",
        lines[1],
    )
    i = next(n for n, line in enumerate(lines) if line.startswith("  last ping "))
    assert lines[i].endswith("(now): fail, exit status 3")
    assert lines[i + 1 : i + 4] == [" " * 17 + f"| {line}" for line in ("connecting to db", "ERROR: disk full", "bye")]
    for setting in ("max runtime    off (the grace period)", "alert after    1 failure in a row", "POST only      no"):
        assert f"  {setting}" in lines
    assert "  schedule       every hour, grace 10 min" in lines
    assert all(len(line) <= WIDTH for line in lines if "https://" not in line)  # a URL is never cut
    card = view(stack, "monitors", "get", "Queue Worker")
    assert "the ping URL" not in card and ": a run took longer than its max runtime" in card
    cron = view(stack, "monitors", "get", "Weekday reports")
    assert "  schedule       weekdays at 06:30 Europe/Riga (30 6 * * 1-5), grace 1 h" in cron
    day = r"\d{4}-\d\d-\d\d 06:30 \+02:00"
    assert re.search(rf"  next runs      {day} \(in .+\)\n {{17}}{day} \(in .+\)\n {{17}}{day}", cron)
    assert max(len(line) for line in cron.splitlines() if "https://" not in line) <= WIDTH


def test_pings_show_each_runs_length_id_and_first_body_line(stack: Stack, fleet: dict[str, dict]) -> None:
    lines = view(stack, "monitors", "pings", "billing-export").splitlines()
    assert lines[0].split() == ["N", "WHEN", "KIND", "EXIT", "TOOK", "RUN", "BODY"]
    rid = fleet["rid"]["rid"][:8]
    assert lines[1].split() == ["2", "now", "fail", "3", "1", "min", "35", "s", rid, "connecting", "to", "db", "…"]
    assert lines[2].split() == ["1", "1", "min", "ago", "start", rid]
    assert max(len(line) for line in lines) <= WIDTH


def test_a_long_body_line_is_cut_to_fit(stack: Stack, fleet: dict[str, dict]) -> None:
    stack.ping(fleet["Reports"]["token"], "", "POST", "x" * 150 + "\x1b[2J")
    line = view(stack, "monitors", "pings", "Reports").splitlines()[1]
    assert len(line) == WIDTH and line.endswith("x…")


def test_incidents_across_monitors_open_or_all(stack: Stack, fleet: dict[str, dict]) -> None:
    lines = view(stack, "incidents", "--open").splitlines()
    assert [line.split("  ")[0] for line in lines] == ["STATUS", "open", "open", "open"]
    assert [cells(line)[1][:14] for line in lines[1:]] == ["Billing export", "Nightly Backup", "Queue Worker"]
    assert "exit_status" in lines[1] and "so far" in lines[1]
    every = view(stack, "incidents").splitlines()
    assert len(every) == 5 and any(line.startswith("resolved  Flaky") for line in every)
    assert max(len(line) for line in every) <= WIDTH


def test_status_is_one_screen_and_exits_3_while_something_is_down(
    stack: Stack, fleet: dict[str, dict], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = view(stack, "status")
    lines = out.splitlines()
    assert lines[0] == "15 monitors: 3 down, 1 late, 1 started, 7 up, 2 new, 1 paused"
    assert lines[2] == "Down:" and cells(lines[3]) == ["NAME", "DOWN SINCE", "CAUSE", "LAST PING", "TAGS"]
    assert cells(lines[4]) == ["Billing export", "now", "exit_status", "now", "finance"]
    assert cells(lines[6]) == ["Queue Worker", "12 min ago", "timeout", "13 min ago"]
    assert lines[8] == "Late (alerting at the deadline unless a ping comes first):"
    assert cells(lines[10]) == ["Cache warmer", "in 6 min", "13 min ago"]
    assert max(len(line) for line in lines) <= WIDTH
    monkeypatch.setattr(cli.session, "Api", lambda url, key, _: HandlerApi(stack))
    monkeypatch.setenv("HEARTBEAT_API_URL", "http://unused")
    monkeypatch.setenv("HEARTBEAT_API_KEY", "unused")
    assert cli.main(["status"]) == 3
    for name in ("Billing export", "Queue Worker", LONG_NAME):
        stack.ping(fleet[name]["token"])
    assert cli.main(["status"]) == 0
    assert cli.main(["status", "-o", "json"]) == 0
    assert '"down": []' in capsys.readouterr().out
