from __future__ import annotations

from heartbeat.domain.model import Status
from heartbeat.store import Store
from heartbeat.store.codec import monitor_from_item
from tests.harness import T0, sample_monitor


def test_a_monitor_survives_the_round_trip_through_its_item() -> None:
    store = Store.open(client=None, table_name="t", shards=4)
    m = sample_monitor(
        status=Status.DOWN,
        tags=["a", "b"],
        n_pings=7,
        last_ping_kind="fail",
        last_start_ms=T0 + 4,
        last_run_start_ms=T0 + 2,
        deadline_ms=None,
        open_incident_ms=T0 + 5,
        down_since_ms=T0 + 5,
    )
    assert monitor_from_item(store.monitors.item(m)) == m


def test_every_setting_and_counter_survives_the_round_trip() -> None:
    store = Store.open(client=None, table_name="t", shards=4)
    m = sample_monitor(
        interval_s=None,
        schedule="30 2 * * *",
        timezone="Europe/Riga",
        rev=3,
        max_runtime_s=600,
        min_interval_s=60,
        success_keywords=["done"],
        failure_keywords=["ERROR", "Traceback"],
        failure_threshold=3,
        recovery_threshold=2,
        realert_s=3600,
        manual_resume=True,
        fail_streak=2,
        good_streak=1,
        reminders=4,
        early_until_ms=T0 + 60_000,
        last_incident_ms=T0 - 100,
        runs={"0b9f3c1e-34b8-4a51-9c71-5f0c1d2e3f4a": T0 - 5},
    )
    assert monitor_from_item(store.monitors.item(m)) == m


def test_an_armed_monitor_carries_its_shard_and_an_unarmed_one_does_not() -> None:
    store = Store.open(client=None, table_name="t", shards=4)
    armed = store.monitors.item(sample_monitor(id="0000000a" + "0" * 24, deadline_ms=T0))
    assert armed["due_shard"] == {"S": str(0xA % 4)} and armed["deadline"] == {"N": str(T0)}
    assert "due_shard" not in store.monitors.item(sample_monitor(deadline_ms=None))


def test_an_item_stored_before_the_state_machine_was_declared_reads_the_same() -> None:
    """Items written before issue 27 keep `grace_ms` (no longer written: nothing reads it) and zero
    counts stored as 0 (a success now removes them): they read as the monitor they were."""
    store = Store.open(client=None, table_name="t", shards=4)
    m = sample_monitor(min_interval_s=60, max_runtime_s=600)
    item = store.monitors.item(m)
    assert {"window_ms", "start_window_ms", "min_gap_ms"} <= item.keys() and "grace_ms" not in item
    old = {**item, "grace_ms": {"N": "30000"}, "fail_streak": {"N": "0"}, "good_streak": {"N": "0"}}
    assert monitor_from_item(old) == monitor_from_item(item) == m
