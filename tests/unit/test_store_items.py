from __future__ import annotations

from heartbeat.model import Monitor, Status
from heartbeat.store import Store, monitor_from_item

T0 = 1_795_572_000_000


def test_a_monitor_survives_the_round_trip_through_its_item() -> None:
    store = Store(client=None, table_name="t", shards=4)
    m = Monitor(
        id="f" * 32,
        token="t",
        name="Nightly Backup",
        type="HEARTBEAT",
        interval_s=60,
        grace_s=30,
        tags=["a", "b"],
        status=Status.DOWN,
        created_ms=T0,
        updated_ms=T0 + 1,
        n_pings=7,
        last_ping_ms=T0 + 2,
        last_ping_kind="fail",
        last_success_ms=T0 + 3,
        last_start_ms=T0 + 4,
        deadline_ms=None,
        open_incident_ms=T0 + 5,
        down_since_ms=T0 + 5,
    )
    assert monitor_from_item(store.monitor_item(m)) == m


def test_an_armed_monitor_carries_its_shard_and_an_unarmed_one_does_not() -> None:
    store = Store(client=None, table_name="t", shards=4)
    base = dict(
        id="0000000a" + "0" * 24,
        token="t",
        name="n",
        type="HEARTBEAT",
        interval_s=1,
        grace_s=1,
        tags=[],
        status=Status.UP,
        created_ms=T0,
        updated_ms=T0,
    )
    armed = store.monitor_item(Monitor(**base, deadline_ms=T0))  # type: ignore[arg-type]
    assert armed["due_shard"] == {"S": str(0xA % 4)} and armed["deadline"] == {"N": str(T0)}
    assert "due_shard" not in store.monitor_item(Monitor(**base))  # type: ignore[arg-type]
