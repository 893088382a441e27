"""Issue 29, item 3: a quorum of instances (`config.quorum: {"min": k}`). The monitor is up while at
least k distinct `?instance=` names (or `Heartbeat-Instance` headers) have pinged within its period
plus grace, down with cause `quorum` naming the silent ones when fewer have, and up again when
enough are back. Names are bounded; a warm ping stays write-only."""

from __future__ import annotations

from datetime import UTC, datetime

from heartbeat.domain.settings import MAX_INSTANCES
from heartbeat_cli.views import show_monitor
from tests.harness import Stack


def quorum_of_three(stack: Stack) -> dict:
    """Interval 60 s, grace 30 s: each instance counts for 90 s after its last success."""
    monitor = stack.create_monitor(name="workers", config_extra={"quorum": {"min": 3}})
    for name in ("a", "b", "c"):
        assert stack.ping(monitor["token"], f"?instance={name}").status == 200
    return monitor


def test_a_quorum_of_three_losing_one_instance_goes_down_naming_it_and_recovers_when_it_is_back(stack: Stack) -> None:
    monitor = quorum_of_three(stack)
    assert stack.monitor(monitor["id"])["status"] == "up"
    stack.clock.advance(50)
    stack.ping(monitor["token"], "?instance=a")
    stack.request("GET", f"/api/v1/heartbeat/{monitor['token']}", headers={"Heartbeat-Instance": "b"}, key=None)

    stack.clock.advance(39.9)  # c's success is 89.9 s old: still three
    assert stack.sweep()["marked_down"] == 0
    stack.clock.advance(0.2)
    assert stack.sweep()["marked_down"] == 1
    down = stack.monitor(monitor["id"])
    assert down["status"] == "down"
    [incident] = stack.incidents(monitor["id"])
    assert incident["cause"] == "quorum"
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.down" and alert["incident"]["cause"] == "quorum"
    facts = stack.store.outbox.down_alert(monitor["id"], int(incident["id"]))
    assert facts is not None and facts.facts is not None and facts.facts.failure is not None
    assert facts.facts.failure.silent == ["c"]

    metrics = stack.request("GET", f"/metrics/{stack.make_key('read')}", key=None).body.decode()
    assert f'heartbeat_monitor_quorum_instances{{id="{monitor["id"]}",name="workers",min="3"}} 2' in metrics
    stack.ping(monitor["token"], "?instance=a")  # two of three still: down
    assert stack.monitor(monitor["id"])["status"] == "down" and stack.alerts() == []
    stack.ping(monitor["token"], "?instance=c")
    assert stack.monitor(monitor["id"])["status"] == "up"
    assert [a["event"] for a in stack.alerts()] == ["monitor.up"]
    shown = stack.monitor(monitor["id"])
    assert shown["config"]["quorum"] == {"min": 3}
    assert sorted(shown["instances"]) == ["a", "b", "c"]
    card = show_monitor(shown, datetime.fromtimestamp(stack.clock.now / 1000, UTC))
    assert "quorum         at least 3 instances" in card
    assert "instances      a  " in card and "\n                 c  " in card


def test_a_quorum_whose_instances_keep_pinging_never_goes_down(stack: Stack) -> None:
    monitor = quorum_of_three(stack)
    for _ in range(4):  # each round every instance pings once, 60 s apart
        stack.clock.advance(60)
        assert stack.sweep()["marked_down"] == 0
        for name in ("c", "a", "b"):
            stack.ping(monitor["token"], f"?instance={name}")
    stack.clock.advance(89)
    assert stack.sweep()["marked_down"] == 0
    assert stack.monitor(monitor["id"])["status"] == "grace" and stack.alerts() == []  # late, not down


def test_instance_names_are_bounded_with_a_clear_error_and_nothing_stored(stack: Stack) -> None:
    monitor = stack.create_monitor(name="workers", config_extra={"quorum": {"min": 2}})
    for bad in ("x" * 65, "a b", "caf%C3%A9", "a/b"):
        reply = stack.ping(monitor["token"], f"?instance={bad}")
        assert reply.status == 400, (bad, reply.body)
        assert b"instance" in reply.body
    for i in range(MAX_INSTANCES):
        assert stack.ping(monitor["token"], f"?instance=host-{i}").status == 200
    reply = stack.ping(monitor["token"], "?instance=one-more")
    assert reply.status == 400 and b"100 instances already" in reply.body
    assert stack.ping(monitor["token"], "?instance=host-7").status == 200  # a known one still counts
    assert len(stack.monitor(monitor["id"])["instances"]) == MAX_INSTANCES


def test_an_empty_instance_name_is_no_name_and_the_ping_counts(stack: Stack) -> None:
    # A script's unset variable: `?instance=$HOST` or `-H "Heartbeat-Instance: $HOST"` with HOST empty.
    monitor = stack.create_monitor(name="workers", config_extra={"quorum": {"min": 1}})
    path = f"/api/v1/heartbeat/{monitor['token']}"
    assert stack.request("GET", path, headers={"Heartbeat-Instance": ""}, key=None).status == 200
    assert stack.ping(monitor["token"], "?instance=").status == 200
    assert stack.monitor(monitor["id"])["pingCount"] == 2


def test_a_quorum_outside_its_bounds_is_refused(stack: Stack) -> None:
    monitor = stack.create_monitor(name="workers", config_extra={"quorum": {"min": 2}})
    for bad in ({"min": 0}, {"min": MAX_INSTANCES + 1}, {"max": 2}, {}, {"min": "2"}):
        reply = stack.request("PATCH", f"/api/v1/monitors/{monitor['id']}", {"config": {"quorum": bad}})
        assert reply.status in (400, 422), (bad, reply.body)


def test_a_warm_ping_of_a_quorum_monitor_is_writes_only(stack: Stack) -> None:
    monitor = quorum_of_three(stack)
    stack.clock.advance(10)
    calls = stack.count_calls("PingFunction")
    for name in ("b", "a"):  # a, b and c pinged at once: the third most recent is still c's
        stack.ping(monitor["token"], f"?instance={name}")
    assert calls == ["UpdateItem", "PutItem"] * 2
    calls.clear()
    stack.ping(monitor["token"], "?instance=c")  # now the third most recent is 10 s later: it moves
    assert calls == ["UpdateItem", "UpdateItem", "PutItem"]
    assert stack.store.monitors.get(monitor["id"]).deadline_ms == stack.clock.now + 90_000
