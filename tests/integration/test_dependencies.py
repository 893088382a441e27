"""Issue 29, item 2: dependencies (`config.dependsOn`). A child going down while a parent it depends
on is down opens its incident caused by that parent and alerts no one; the parent's recovery sends
the child's alert if the child is still down, and nothing if it recovered first. Cycles, self and
unknown parents are refused with 422. An alert held is never lost, even when the parent recovers
at the moment the child goes down."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from heartbeat.adapters.sns import SnsPublisher
from heartbeat.domain.alertwords import email
from heartbeat.domain.model import Alert, AlertEvent, Cause, Monitor, Ping, PingKind, Status
from heartbeat.store.codec import alert_from_item, alert_key, incident_item
from heartbeat.usecases.pings import record_ping
from heartbeat.usecases.sweep import sweep
from heartbeat_cli.views import show_monitor
from tests.harness import Stack, sample_monitor


def parent_and_child(stack: Stack) -> tuple[dict, dict]:
    """A database (parent) and a report that depends on it (child), both pinged; the child's
    deadline 10 s after the parent's (interval 60 s, grace 30 s)."""
    parent = stack.create_monitor(name="database")
    child = stack.create_monitor(name="report", config_extra={"dependsOn": [parent["id"]]})
    stack.ping(parent["token"])
    stack.clock.advance(10)
    stack.ping(child["token"])
    return parent, child


def stored(stack: Stack, doc: dict) -> Alert:
    """The outbox's alert a subscriber got `doc` of, with the facts its words are made of."""
    reminder = int(doc["incident"].get("reminder") or 0)
    alert = Alert(doc["monitor"]["id"], int(doc["incident"]["id"]), AlertEvent(doc["event"]), "", "", reminder=reminder)
    item = stack.store.table.get(alert_key(alert))
    assert item is not None
    return alert_from_item(item)


def events(stack: Stack) -> list[tuple[str, str]]:
    return [(a["event"], a["monitor"]["name"]) for a in stack.alerts()]


def test_a_child_down_while_its_parent_is_down_alerts_when_the_parent_recovers(stack: Stack) -> None:
    parent, child = parent_and_child(stack)
    stack.clock.advance(81)  # the parent's deadline passed, not the child's
    assert stack.sweep()["marked_down"] == 1
    assert events(stack) == [("monitor.down", "database")]

    stack.clock.advance(10)  # now the child's
    report = stack.sweep()
    assert report["held_by_parent"] == 1 and report["marked_down"] == 0
    assert events(stack) == []  # held
    held = stack.monitor(child["id"])
    assert held["status"] == "down" and held["heldBy"] == parent["id"]
    [incident] = stack.incidents(child["id"])
    assert incident["causedBy"] == parent["id"] and incident["status"] == "open"
    assert stack.monitor(parent["id"])["holding"] == [child["id"]]
    now = datetime.fromtimestamp(stack.clock.now / 1000, UTC)
    assert f"quiet while    {parent['id']} is down (it depends on it)" in show_monitor(held, now)
    assert f"holding quiet  {child['id']}" in show_monitor(stack.monitor(parent["id"]), now)
    assert f"depends on     {parent['id']}" in show_monitor(held, now)
    metrics = stack.request("GET", f"/metrics/{stack.make_key('read')}", key=None).body.decode()
    assert f'heartbeat_monitor_held{{id="{child["id"]}",name="report"}} 1' in metrics.splitlines()

    stack.clock.advance(5)
    assert stack.ping(parent["token"]).status == 200  # the parent recovers: the child is still down
    assert events(stack) == [("monitor.up", "database"), ("monitor.down", "report")]
    down = stack.monitor(child["id"])
    assert down["status"] == "down" and down["heldBy"] is None
    assert stack.monitor(parent["id"])["holding"] == []
    released = stack.store.outbox.down_alert(child["id"], int(incident["id"]))
    assert released is not None and released.facts is not None
    assert "Held        while database was down (it depends on it), until" in email(released.facts, "")

    stack.ping(child["token"])  # its outage was told: its end is too
    assert events(stack) == [("monitor.up", "report")]


def test_a_child_down_before_its_parent_alerts_at_once_and_the_parents_outage_is_normal(stack: Stack) -> None:
    child_first = stack.create_monitor(name="database")
    child = stack.create_monitor(name="report", config_extra={"dependsOn": [child_first["id"]]})
    stack.ping(child["token"])
    stack.clock.advance(10)
    stack.ping(child_first["token"])  # the parent's deadline is 10 s after the child's

    stack.clock.advance(81)
    assert stack.sweep()["marked_down"] == 1
    assert events(stack) == [("monitor.down", "report")]
    stack.clock.advance(10)
    assert stack.sweep()["marked_down"] == 1
    assert events(stack) == [("monitor.down", "database")]
    assert stack.monitor(child_first["id"])["holding"] == []  # it holds nobody: the child had alerted

    stack.ping(child_first["token"])
    assert events(stack) == [("monitor.up", "database")]
    stack.ping(child["token"])
    assert events(stack) == [("monitor.up", "report")]


def test_a_held_child_that_recovers_first_sends_nothing(stack: Stack) -> None:
    parent, child = parent_and_child(stack)
    stack.clock.advance(91)
    stack.sweep()
    assert events(stack) == [("monitor.down", "database")]

    stack.ping(child["token"])  # the child recovers while the parent is still down
    assert events(stack) == []
    assert stack.monitor(child["id"])["status"] == "up"
    [incident] = stack.incidents(child["id"])
    assert incident["status"] == "resolved" and incident["causedBy"] == parent["id"]

    stack.ping(parent["token"])
    assert events(stack) == [("monitor.up", "database")]  # and nothing of the child
    stack.clock.advance(60)
    stack.sweep()
    assert events(stack) == []


def test_a_child_failing_by_ping_while_its_parent_is_down_is_held_too(stack: Stack) -> None:
    parent, child = parent_and_child(stack)
    stack.clock.advance(81)
    stack.sweep()
    assert events(stack) == [("monitor.down", "database")]

    stack.ping(child["token"], "/fail")
    assert events(stack) == []
    assert stack.incidents(child["id"])[0]["cause"] == "failed"

    stack.ping(parent["token"])
    alerts = stack.alerts()
    assert [(a["event"], a["monitor"]["name"]) for a in alerts] == [
        ("monitor.up", "database"),
        ("monitor.down", "report"),
    ]
    assert alerts[1]["incident"]["cause"] == "failed"  # the cause its incident opened with


def test_a_parents_reminders_name_the_monitors_it_holds_quiet(stack: Stack) -> None:
    parent = stack.create_monitor(name="database", config_extra={"realertInterval": 600})
    child = stack.create_monitor(name="report", config_extra={"dependsOn": [parent["id"]]})
    stack.ping(parent["token"])
    stack.ping(child["token"])
    stack.clock.advance(91)
    stack.sweep()  # both overdue in one sweep: the parent goes down first, the child held
    assert events(stack) == [("monitor.down", "database")]
    stack.clock.advance(600)
    assert stack.sweep()["reminders"] == 1
    [reminder] = stack.alerts()
    facts = stored(stack, reminder).facts
    assert facts is not None and facts.holding == ["report"]
    assert "Holding     1 quiet: report" in email(facts, "")


def test_a_parent_deleted_while_holding_a_child_lets_its_alert_go(stack: Stack) -> None:
    parent, child = parent_and_child(stack)
    stack.clock.advance(91)
    stack.sweep()
    stack.alerts()
    assert stack.monitor(child["id"])["heldBy"] == parent["id"]

    assert stack.request("DELETE", f"/api/v1/monitors/{parent['id']}").status == 204
    stack.clock.advance(31)  # the released alert is written pending: a sweep sends it past its lease
    stack.sweep()
    assert events(stack) == [("monitor.down", "report")]
    assert stack.monitor(child["id"])["heldBy"] is None


def test_cycles_self_and_unknown_parents_are_refused_with_422_and_nothing_changes(stack: Stack) -> None:
    a = stack.create_monitor(name="a")
    b = stack.create_monitor(name="b", config_extra={"dependsOn": [a["id"]]})
    c = stack.create_monitor(name="c", config_extra={"dependsOn": [b["id"]]})
    refused = {
        "a cycle": [c["id"]],  # a -> c -> b -> a
        "itself": [a["id"]],
        "no monitor": ["0" * 32],
    }
    for words, depends_on in refused.items():
        reply = stack.request("PATCH", f"/api/v1/monitors/{a['id']}", {"config": {"dependsOn": depends_on}})
        assert reply.status == 422, reply.body
        assert words in reply.body.decode()
        assert stack.monitor(a["id"])["config"]["dependsOn"] == []
    reply = stack.request(
        "POST", "/api/v1/monitors", {"name": "d", "type": "HEARTBEAT", "config": {"dependsOn": ["f" * 32]}}
    )
    assert reply.status == 422 and "no monitor" in reply.body.decode()
    reply = stack.request("PATCH", f"/api/v1/monitors/{a['id']}", {"config": {"dependsOn": ["not an id"]}})
    assert reply.status == 422

    # A diamond is no cycle: d depends on b and c, which both depend on a.
    d = stack.create_monitor(name="d", config_extra={"dependsOn": [b["id"], c["id"]]})
    assert stack.monitor(d["id"])["config"]["dependsOn"] == [b["id"], c["id"]]


def test_a_parent_recovering_as_its_child_goes_down_never_loses_the_childs_alert(stack: Stack) -> None:
    """The race: a sweep holding the child (recorded on the parent, if its incident is still open)
    against the parent's recovery (which releases the children it holds, if they are those it read).
    The ping starts 0 to 21 ms after the sweep reads the parent, so each side wins in some rounds.
    Either the child is held and released, or it alerts itself: one down alert of it, every round."""
    atomic = threading.Lock()
    client_events = stack.store.table.client.meta.events
    # DynamoDB applies each request atomically; moto does not across threads: one lock per request.
    client_events.register("before-call.dynamodb", lambda **_: atomic.acquire() and None)
    client_events.register("after-call.dynamodb", lambda **_: atomic.release())
    client_events.register("after-call-error.dynamodb", lambda **_: atomic.release())
    publisher = SnsPublisher(stack.sns, stack.refs["AlertsTopic"])
    now = stack.clock.now
    for round in range(12):
        parent, child = down_parent_and_overdue_child(stack, now)
        recover_while_sweeping(stack, publisher, parent.id, now, delay_s=(round % 4) * 0.007)
        sweep(stack.store, publisher, now)  # a child whose hold lost to the recovery is still due
        sent = sorted((a["event"], a["monitor"]["id"]) for a in stack.alerts())
        expected = sorted([("monitor.down", child.id), ("monitor.up", parent.id)])
        assert sent == expected, f"round {round}: {sent}"
        assert stack.store.monitors.get(child.id).held_by is None


def down_parent_and_overdue_child(stack: Stack, now: int) -> tuple[Monitor, Monitor]:
    """A parent down since a minute ago, and a child depending on it whose deadline just passed."""
    opened = now - 60_000
    parent = sample_monitor(
        status=Status.DOWN, deadline_ms=None, open_incident_ms=opened, down_since_ms=opened, last_incident_ms=opened
    )
    child = sample_monitor(deadline_ms=now - 1, depends_on=[parent.id], last_success_ms=now - 90_001)
    for m in (parent, child):
        stack.store.table.put(stack.store.monitors.item(m))
    stack.store.table.put(incident_item(parent.id, opened, Cause.MISSED))
    return parent, child


def recover_while_sweeping(stack: Stack, publisher: SnsPublisher, parent_id: str, now: int, delay_s: float) -> None:
    """A sweep, and a success ping of the parent started `delay_s` after the sweep queries its last
    shard of the due index (it queries two dozen first: without that start, the ping would be long
    over before the sweep reads the parent)."""
    success = Ping(PingKind.SUCCESS, "GET", "198.51.100.7", "test")
    last_shard = stack.store.due.shards()[-1]
    last_query = threading.Event()

    def querying(params: dict[str, Any], **_: Any) -> None:
        if params.get("ExpressionAttributeValues", {}).get(":s") == {"S": last_shard}:
            last_query.set()

    def recovering() -> None:
        last_query.wait(timeout=10)
        time.sleep(delay_s)
        record_ping(stack.store, lambda: publisher, parent_id, success, now)

    events = stack.store.table.client.meta.events
    events.register("provide-client-params.dynamodb.Query", querying)
    pinger = threading.Thread(target=recovering)
    pinger.start()
    try:
        sweep(stack.store, publisher, now, workers=1)
    finally:
        pinger.join()
        events.unregister("provide-client-params.dynamodb.Query", querying)
