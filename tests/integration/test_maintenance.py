"""Maintenance windows (issue 29, item 1) over moto: during a window pings are recorded and incidents
open, but no alert goes out; a down alert held by it is sent at its end if the monitor is still down,
and dropped with its recovery if it recovered inside; a recovery of an outage alerted before the
window waits for its end; of the reminders a window held, the latest goes out. Managed through the
API (admin key, 422 naming the field), shown on the monitor's GET."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
import yaml

import heartbeat_cli as cli
from tests.harness import HandlerApi, Stack

HOUR = 3600


def iso(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat()


def events(stack: Stack) -> list[str]:
    return [a["event"] for a in stack.alerts()]


def one_off(stack: Stack, start_ms: int, end_ms: int, **covers: list[str]) -> dict:
    body = {"name": "db upgrade", "start": iso(start_ms), "end": iso(end_ms), **covers}
    reply = stack.request("POST", "/api/v1/maintenance-windows", body)
    assert reply.status == 201, reply.body
    return reply.json()


def sweep_until(stack: Stack, at_ms: int, step_s: int = 300) -> None:
    while stack.clock.now < at_ms:
        stack.clock.now = min(stack.clock.now + step_s * 1000, at_ms)
        stack.sweep()


def test_a_deadline_missed_in_a_window_opens_the_incident_and_alerts_at_its_end_if_still_down(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    end = stack.clock.now + HOUR * 1000
    one_off(stack, stack.clock.now, end, monitors=[m["id"]])

    stack.clock.advance(90)
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "down"  # the incident opens as usual
    assert [i["status"] for i in stack.incidents(m["id"])] == ["open"]
    sweep_until(stack, end - 1)
    assert events(stack) == []

    stack.clock.now = end
    stack.sweep()
    [down] = stack.alerts()
    assert down["event"] == "monitor.down" and down["monitor"]["id"] == m["id"]
    stack.clock.advance(HOUR)
    stack.sweep()
    assert events(stack) == []  # sent once


def test_a_monitor_that_recovers_inside_the_window_sends_neither_its_down_nor_its_recovery(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30, tags=["db"])
    stack.ping(m["token"])
    end = stack.clock.now + HOUR * 1000
    one_off(stack, stack.clock.now, end, tags=["db"])
    stack.clock.advance(90)
    stack.sweep()
    stack.clock.advance(600)
    assert stack.ping(m["token"]).status == 200
    assert stack.monitor(m["id"])["status"] == "up"
    assert [i["status"] for i in stack.incidents(m["id"])] == ["resolved"]  # recorded as usual
    stack.clock.now = end - 10_000
    stack.ping(m["token"])
    stack.clock.now = end
    stack.sweep()
    stack.clock.advance(30)
    stack.sweep()
    assert events(stack) == []


def test_a_recovery_after_the_window_but_before_the_sweep_that_releases_the_down_alert_sends_nothing(
    stack: Stack,
) -> None:
    # Never an "up" without its "down" (or before it): the recovery counts as one within the window.
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    end = stack.clock.now + HOUR * 1000
    one_off(stack, stack.clock.now, end, monitors=[m["id"]])
    stack.clock.advance(90)
    stack.sweep()
    stack.clock.now = end + 20_000  # the window is over; the sweep that sends the held alert has not run
    assert stack.ping(m["token"]).status == 200
    stack.clock.advance(40)
    stack.sweep()
    assert events(stack) == []
    assert [i["status"] for i in stack.incidents(m["id"])] == ["resolved"]


def test_a_recovery_inside_a_window_of_an_outage_alerted_before_it_goes_out_at_its_end(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30, config_extra={"realertInterval": 600})
    stack.ping(m["token"])
    stack.clock.advance(90)
    stack.sweep()
    assert events(stack) == ["monitor.down"]  # before the window

    end = stack.clock.now + HOUR * 1000
    one_off(stack, stack.clock.now, end, monitors=[m["id"]])
    sweep_until(stack, stack.clock.now + 1900 * 1000)  # three reminders fall due: held
    stack.ping(m["token"])
    # Down again and up again inside the window: that outage says nothing at all.
    sweep_until(stack, end - 60_000)
    stack.ping(m["token"])
    assert events(stack) == []
    sweep_until(stack, end)
    assert events(stack) == ["monitor.up"]  # the held reminders are not sent: it recovered


def test_of_the_reminders_a_window_held_only_the_latest_goes_out_at_its_end(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30, config_extra={"realertInterval": 600})
    stack.ping(m["token"])
    stack.clock.advance(90)
    stack.sweep()
    assert events(stack) == ["monitor.down"]
    end = stack.clock.now + 3500 * 1000  # reminders 1 to 5 fall due inside it
    one_off(stack, stack.clock.now, end, monitors=[m["id"]])
    sweep_until(stack, end - 1)
    assert events(stack) == []
    sweep_until(stack, end)
    assert [a["alertId"].rsplit(":", 2)[1:] for a in stack.alerts()] == [["monitor.reminder", "5"]]


def test_a_window_holds_only_the_monitors_it_covers(stack: Stack) -> None:
    covered = stack.create_monitor(name="covered", interval=60, grace=30, tags=["db"])
    other = stack.create_monitor(name="other", interval=60, grace=30, tags=["web"])
    for m in (covered, other):
        stack.ping(m["token"])
    one_off(stack, stack.clock.now, stack.clock.now + HOUR * 1000, tags=["db", "cache"])
    stack.clock.advance(90)
    stack.sweep()
    assert [a["monitor"]["name"] for a in stack.alerts()] == ["other"]


def test_a_recurring_window_holds_each_night_and_lets_the_day_alert(stack: Stack) -> None:
    stack.clock.now = int(datetime(2026, 3, 28, 12, tzinfo=UTC).timestamp() * 1000)
    m = stack.create_monitor(interval=600, grace=60)
    body = {
        "name": "nightly",
        "cron": "30 2 * * *",
        "duration": HOUR,
        "timezone": "Europe/Berlin",
        "monitors": [m["id"]],
    }
    reply = stack.request("POST", "/api/v1/maintenance-windows", body)
    assert reply.status == 201, reply.body
    assert reply.json()["next"]["start"] == "2026-03-29T03:00:00+02:00"  # 02:30 does not exist that night
    # The job stops at 02:55 (00:55 UTC), before the window, misses its deadline inside it.
    stack.clock.now = int(datetime(2026, 3, 29, 0, 55, tzinfo=UTC).timestamp() * 1000)
    stack.ping(m["token"])
    sweep_until(stack, int(datetime(2026, 3, 29, 1, 59, tzinfo=UTC).timestamp() * 1000), 900)
    assert stack.monitor(m["id"])["status"] == "down"
    assert events(stack) == []
    sweep_until(stack, int(datetime(2026, 3, 29, 2, 0, tzinfo=UTC).timestamp() * 1000))
    assert events(stack) == ["monitor.down"]


def test_the_monitor_shows_the_window_it_is_in_and_the_next(stack: Stack) -> None:
    m = stack.create_monitor(tags=["db"])
    assert stack.monitor(m["id"])["maintenance"] == {"current": None, "next": None}
    now = stack.clock.now
    w = one_off(stack, now + 1000, now + HOUR * 1000, tags=["db"])
    shown = stack.monitor(m["id"])["maintenance"]
    assert shown["current"] is None and shown["next"]["id"] == w["id"] and shown["next"]["name"] == "db upgrade"
    stack.clock.advance(2)
    shown = stack.monitor(m["id"])["maintenance"]
    assert shown["current"]["end"] == iso(now + HOUR * 1000) and shown["next"] is None


def test_windows_are_listed_read_and_deleted_and_changed_only_with_an_admin_key(stack: Stack) -> None:
    m = stack.create_monitor()
    w = one_off(stack, stack.clock.now, stack.clock.now + HOUR * 1000, monitors=[m["id"]])
    assert w["current"] is not None and w["monitors"] == [m["id"]]
    assert [i["id"] for i in stack.request("GET", "/api/v1/maintenance-windows").json()["items"]] == [w["id"]]
    assert stack.request("GET", f"/api/v1/maintenance-windows/{w['id']}").json() == w
    read = stack.make_key("read")
    assert stack.request("GET", "/api/v1/maintenance-windows", key=read).status == 200
    body = {"name": "x", "tags": ["db"], "cron": "0 2 * * *", "duration": 600}
    assert stack.request("POST", "/api/v1/maintenance-windows", body, key=read).status == 403
    assert stack.request("DELETE", f"/api/v1/maintenance-windows/{w['id']}", key=read).status == 403
    assert stack.request("DELETE", f"/api/v1/maintenance-windows/{w['id']}").status == 204
    assert stack.request("DELETE", f"/api/v1/maintenance-windows/{w['id']}").status == 404
    assert stack.request("GET", f"/api/v1/maintenance-windows/{w['id']}").status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": ["db"], "cron": "0 2 * * *", "duration": 600}, "name"),
        ({"name": "x", "tags": ["db"]}, "body"),  # neither kind
        ({"name": "x", "cron": "0 2 * * *", "duration": 600}, "body"),  # covers nothing
        ({"name": "x", "tags": ["db"], "cron": "0 2 * *", "duration": 600}, "cron"),
        ({"name": "x", "tags": ["db"], "cron": "0 2 * * *", "duration": 59}, "duration"),
        ({"name": "x", "tags": ["db"], "cron": "0 2 * * *", "duration": 600, "timezone": "Mars/Base"}, "timezone"),
        ({"name": "x", "tags": ["db"], "start": "2026-05-01T22:00:00", "end": "2026-05-01T23:00:00+02:00"}, "start"),
        (
            {"name": "x", "tags": ["db"], "start": "2026-05-01T22:00:00+02:00", "end": "2026-05-01T21:00:00+02:00"},
            "end",
        ),
        ({"name": "x", "monitors": ["not-an-id"], "cron": "0 2 * * *", "duration": 600}, "monitors[0]"),
        ({"name": "x", "tags": ["db"], "cron": "0 2 * * *", "duration": 600, "extra": 1}, "extra"),
    ],
)
def test_a_window_that_makes_no_sense_gets_422_naming_the_field_and_nothing_is_stored(
    stack: Stack, body: dict, field: str
) -> None:
    reply = stack.request("POST", "/api/v1/maintenance-windows", body)
    assert reply.status == 422, reply.body
    assert field in [d["field"] for d in reply.json()["error"]["details"]], reply.body
    assert stack.request("GET", "/api/v1/maintenance-windows").json()["items"] == []


# ---- the apply file's `maintenance:` list ------------------------------------------------------------

WINDOWS_FILE = {
    "version": "1",
    "monitors": [{"name": "Nightly Backup", "config": {"expectedInterval": 86400}, "tags": ["db"]}],
    "maintenance": [
        {
            "name": "db upgrade",
            "start": "2026-05-01T22:00:00+02:00",
            "end": "2026-05-02T01:00:00+02:00",
            "tags": ["db"],
        },
        {"name": "nightly", "cron": "30 2 * * *", "duration": 3600, "timezone": "Europe/Berlin", "tags": ["db"]},
    ],
}


def write(tmp_path: Path, doc: dict) -> str:
    path = tmp_path / "heartbeat.yml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_a_files_windows_are_planned_applied_once_changed_pruned_and_exported(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    out = cli.apply_file(api, write(tmp_path, WINDOWS_FILE), dry_run=False, prune="managed")
    assert out.splitlines()[-1] == "Maintenance windows: 2 created, 0 updated, 0 unchanged, 0 deleted."
    made = {w["name"]: w for w in stack.request("GET", "/api/v1/maintenance-windows").json()["items"]}
    assert made["nightly"]["cron"] == "30 2 * * *" and made["nightly"]["managed"] is True
    assert made["db upgrade"]["start"] == "2026-05-01T20:00:00+00:00"

    writes = stack.count_calls()
    out = cli.apply_file(api, write(tmp_path, WINDOWS_FILE), dry_run=False, prune="managed")
    assert out == "No changes: 1 monitors, 2 maintenance windows unchanged."
    assert not {"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem"} & set(writes)

    changed = {**WINDOWS_FILE, "maintenance": [{**WINDOWS_FILE["maintenance"][1], "duration": 1800}]}
    plan = cli.apply_file(api, write(tmp_path, changed), dry_run=True, prune="managed")
    assert "~ update    nightly: duration 3600 -> 1800" in plan and "- delete    db upgrade" in plan
    cli.apply_file(api, write(tmp_path, changed), dry_run=False, prune="managed")
    [left] = stack.request("GET", "/api/v1/maintenance-windows").json()["items"]
    assert (left["name"], left["duration"], left["id"]) == ("nightly", 1800, made["nightly"]["id"])

    exported = yaml.safe_load(cli.export_file(api, None))
    assert exported["maintenance"] == [
        {"name": "nightly", "cron": "30 2 * * *", "duration": 1800, "timezone": "Europe/Berlin", "tags": ["db"]}
    ]
    out = cli.apply_file(api, write(tmp_path, exported), dry_run=False, prune="all")
    assert out == "No changes: 1 monitors, 1 maintenance windows unchanged."


def test_a_file_with_a_window_named_twice_or_a_bad_window_changes_nothing(stack: Stack) -> None:
    twice = {**WINDOWS_FILE, "maintenance": [WINDOWS_FILE["maintenance"][1]] * 2}
    reply = stack.request("POST", "/api/v1/apply", twice)
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "maintenance[1].name", reply.body
    bad = {**WINDOWS_FILE, "maintenance": [{**WINDOWS_FILE["maintenance"][1], "cron": "99 * * * *"}]}
    reply = stack.request("POST", "/api/v1/apply", bad)
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "maintenance[0].cron", reply.body
    assert stack.request("GET", "/api/v1/monitors").json()["items"] == []
    assert stack.request("GET", "/api/v1/maintenance-windows").json()["items"] == []


# ---- the CLI ------------------------------------------------------------------------------------------


def test_heartbeat_maintenance_creates_lists_and_deletes_windows_and_the_card_shows_them(stack: Stack) -> None:
    api = HandlerApi(stack)
    m = stack.create_monitor("Nightly Backup", slug="pg-backup")
    out = cli.run(["maintenance", "create", "--name", "nightly", "--cron", "30 2 * * *", "--duration", "1h",
                   "--timezone", "Europe/Berlin", "--monitor", "pg-backup", "--tag", "db"], api=api)  # fmt: skip
    assert out.startswith("maintenance window 'nightly' created, id ")
    start, end = iso(stack.clock.now - 1000), iso(stack.clock.now + HOUR * 1000)
    cli.run(["maintenance", "create", "--name", "upgrade", "--start", start, "--end", end, "--tag", "db"], api=api)
    [nightly, upgrade] = stack.request("GET", "/api/v1/maintenance-windows").json()["items"]
    assert (nightly["monitors"], nightly["tags"], nightly["duration"]) == ([m["id"]], ["db"], HOUR)

    listing = cli.run(["maintenance", "list"], api=api)
    assert "30 2 * * * (Europe/Berlin) for 3600 s" in listing and f"{m['id']}, tag:db" in listing
    assert "open until" in listing and "next 20" in listing

    card = cli.run(["monitors", "get", "pg-backup"], api=api)
    assert "maintenance" in card and "next 'nightly' from" in card
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"tags": ["db"]})
    assert "in 'upgrade' until" in cli.run(["monitors", "get", "pg-backup"], api=api)

    assert cli.run(["maintenance", "delete", upgrade["id"]], api=api) == f"deleted {upgrade['id']}"
    assert [w["name"] for w in stack.request("GET", "/api/v1/maintenance-windows").json()["items"]] == ["nightly"]
    with pytest.raises(click.UsageError):
        cli.run(["maintenance", "create", "--name", "x", "--cron", "0 2 * * *", "--duration", "soon"], api=api)
    with pytest.raises(cli.CliError, match="duration"):
        cli.run(["maintenance", "create", "--name", "x", "--tag", "db", "--cron", "0 2 * * *"], api=api)


def test_two_sweeps_at_once_at_a_windows_end_send_each_held_alert_once(stack: Stack) -> None:
    from heartbeat.usecases.sweep import sweep
    from tests.integration.test_sweeper import publisher

    monitors = [stack.create_monitor(name=f"job {i}", interval=60, grace=30, tags=["db"]) for i in range(8)]
    for m in monitors:
        stack.ping(m["token"])
    end = stack.clock.now + HOUR * 1000
    one_off(stack, stack.clock.now, end, tags=["db"])
    stack.clock.advance(90)
    stack.sweep()
    assert events(stack) == []
    stack.clock.now = end
    # Each request atomic, as on DynamoDB (see test_sweeper's concurrent sweeps); the sweeps interleave.
    atomic = threading.Lock()
    hooks = stack.store.table.client.meta.events
    hooks.register("before-call.dynamodb", lambda **_: atomic.acquire() and None)
    hooks.register("after-call.dynamodb", lambda **_: atomic.release())
    hooks.register("after-call-error.dynamodb", lambda **_: atomic.release())
    threads = [threading.Thread(target=sweep, args=(stack.store, publisher(stack), end)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alerts = stack.alerts()
    assert sorted(a["monitor"]["id"] for a in alerts) == sorted(m["id"] for m in monitors)
    assert {a["event"] for a in alerts} == {"monitor.down"}
