"""1. DynamoDB requests per ping, by kind, counted from botocore's own before-call events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.common import Row, moto_stack

READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def _count(writes: int, reads: int) -> str:
    return f"{writes} write{'s' * (writes != 1)}, {reads} read{'s' * (reads != 1)}"


def _measure(stack: Any, prepare: Callable[[], str], ping: Callable[[str], Any]) -> tuple[int, int, list[str]]:
    token = prepare()
    calls = stack.count_calls()
    reply = ping(token)
    assert reply.status == 200, reply.body
    ops = list(calls)
    calls.clear()  # the hook stays registered; later measurements start from a clean list
    return sum(op in READS for op in ops), sum(op in WRITES for op in ops), ops


def run() -> list[Row]:
    rows: list[Row] = []
    with moto_stack() as stack:

        def up() -> str:
            m = stack.create_monitor(interval=60, grace=30)
            stack.ping(m["token"])
            return m["token"]

        def down() -> str:
            token = up()
            stack.ping(token, "/fail")
            return token

        cases = [
            ("success, interval monitor (up)", up, lambda t: stack.ping(t), "2 writes, 0 reads"),
            ("start", up, lambda t: stack.ping(t, "/start"), ""),
            ("log", up, lambda t: stack.ping(t, "/log"), ""),
            ("fail (opens an incident)", up, lambda t: stack.ping(t, "/fail"), ""),
            ("fail while already down", down, lambda t: stack.ping(t, "/fail"), ""),
            ("recovery (success while down)", down, lambda t: stack.ping(t), ""),
        ]
        for name, prepare, ping, target in cases:
            reads, writes, ops = _measure(stack, prepare, ping)
            met = (writes, reads) == (2, 0) if target else None
            rows.append(Row("requests per ping", name, _count(writes, reads), target, met, " ".join(ops)))
    with moto_stack({"PING_RETENTION_DAYS": "0"}) as stack:
        m = stack.create_monitor()
        stack.ping(m["token"])
        reads, writes, ops = _measure(stack, lambda: m["token"], lambda t: stack.ping(t))
        rows.append(
            Row(
                "requests per ping",
                "success, ping log off (PingRetentionDays=0)",
                _count(writes, reads),
                "1 write, 0 reads",
                (writes, reads) == (1, 0),
                " ".join(ops),
            )
        )
    with moto_stack() as stack:
        body = {"name": "cron", "config": {"schedule": "*/5 * * * *", "timezone": "Europe/Riga"}}
        token = stack.request("POST", "/api/v1/monitors", body).json()["pingUrl"].rsplit("/", 1)[-1]
        for label, target in (
            ("success, cron monitor, cold Lambda (learns the schedule)", ""),
            ("success, cron monitor, warm Lambda", "2 writes, 0 reads"),
        ):
            reads, writes, ops = _measure(stack, lambda: token, lambda t: stack.ping(t))
            met = (writes, reads) == (2, 0) if target else None
            rows.append(Row("requests per ping", label, _count(writes, reads), target, met, " ".join(ops)))
    with moto_stack() as stack:
        key = stack.request("GET", "/api/v1/ping-key").json()["pingKey"]
        stack.create_monitor(name="Nightly Backup")
        for label, path in (
            ("slug ping (success)", f"/ping/{key}/nightly-backup"),
            ("slug ping, ?create=1 making the monitor", f"/ping/{key}/new-job?create=1"),
        ):
            calls = stack.count_calls()
            reply = stack.request("GET", path, key=None)
            assert reply.status in (200, 201), reply.body
            reads, writes = sum(op in READS for op in calls), sum(op in WRITES for op in calls)
            rows.append(Row("requests per ping", label, _count(writes, reads), note=" ".join(calls)))
            calls.clear()
    rows += _per_quorum_ping()
    rows += _per_event()
    return rows


def _per_quorum_ping() -> list[Row]:
    """A quorum of 3 (issue 29): three instances pinged at once, then each again 10 s later; the
    deadline moves only when the third most recent time does (at the last of the three)."""
    rows: list[Row] = []
    with moto_stack() as stack:
        token = stack.create_monitor(interval=60, grace=30, config_extra={"quorum": {"min": 3}})["token"]
        for name in ("a", "b", "c"):  # the first, cold pings make the map and learn the quorum
            stack.ping(token, f"?instance={name}")
        stack.clock.advance(10)

        def b_first() -> str:  # b pinged again first: c's ping is then the last of the three
            stack.ping(token, "?instance=b")
            return token

        for name, prepare, moves, target in (
            ("a", lambda: token, "stays", "2 writes, 0 reads"),
            ("c", b_first, "moves", "3 writes, 0 reads"),
        ):
            reads, writes, ops = _measure(stack, prepare, lambda t, name=name: stack.ping(t, f"?instance={name}"))
            label = f"success, quorum of 3, warm Lambda, the deadline {moves}"
            met = _count(writes, reads) == target
            rows.append(Row("requests per ping", label, _count(writes, reads), target, met, " ".join(ops)))
    return rows


def _per_event() -> list[Row]:
    """An AWS run event (the ECS sample) through the template's rule and the events function."""
    import json

    from tests.harness import load_event

    rows: list[Row] = []
    with moto_stack() as stack, stack.events_bridge():
        pattern = {"source": ["aws.ecs"], "detail": {"group": ["family:nightly-backup"]}}
        stack.create_monitor(interval=86400, grace=3600, config_extra={"events": [pattern]})
        event = load_event("run-ecs-task-stopped")
        for label, task, target in (
            ("AWS event, success (ECS task stopped, exit 0), cold function (reads the patterns)", "a", ""),
            ("AWS event, success (ECS task stopped, exit 0), warm function", "b", "2 writes, 0 reads"),
            ("AWS event delivered twice: the second", "b", ""),
        ):
            event["detail"]["taskArn"] = f"arn:aws:ecs:us-west-2:111122223333:task/default/{task}"
            calls = stack.count_calls("EventsFunction")
            stack.put_event(json.loads(json.dumps(event)))
            reads, writes = sum(op in READS for op in calls), sum(op in WRITES for op in calls)
            met = (writes, reads) == (2, 0) if target else None
            rows.append(Row("requests per ping", label, _count(writes, reads), target, met, " ".join(calls)))
            calls.clear()
    return rows
