"""8. Capacity model: what the deployment takes before anything throttles, from template.yaml's
parameters, the measured size of what a ping writes, and AWS's documented limits.

Item sizes are measured: a monitor is created and pinged through the real handlers over moto, and
the items it left are sized by DynamoDB's rules (attribute names plus values; a number is about
one byte per two digits). Write units are whole KB per item written; an index write that moves
an item's key is a delete and a put there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.common import Row, moto_stack
from bench.cost import DYNAMODB_ROUND_TRIP_MS, PRICES, idle_per_month, per_million_pings

# Documented limits (DynamoDB, API Gateway and Lambda developer guides, default quotas).
PARTITION_WRITE_UNITS = 1_000  # per partition per second, table or index; one item is one partition
HANDLER_MS = 3.0  # a warm ping's CPU through botocore's real request path (bench: warm; 2.8-6 ms measured)
PREWARMED_WRITE_UNITS = 20_000  # WarmWriteUnits for 10,000 pings/s from the first minute
NEW_ON_DEMAND_WRITE_UNITS = 4_000  # a new on-demand table (and index) before pre-warming; it then
# doubles the previous peak within 30 minutes
API_GATEWAY_ACCOUNT_RATE, API_GATEWAY_ACCOUNT_BURST = 10_000, 5_000  # per account and region
LAMBDA_ACCOUNT_CONCURRENCY = 1_000
LAMBDA_SCALING_PER_10_S = 1_000  # new instances per function every 10 seconds
TARGET_PINGS_PER_S = 10_000
SECONDS_A_MONTH = 30 * 24 * 3600
TYPICAL_BODY = 100  # bytes of a ping body: a line or two of output; each KB more is a unit more


def value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(e.encode()) for e in v)
    if kind == "NS":
        return sum(value_size({"N": e}) for e in v)
    if kind == "L":
        return 3 + sum(value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(e) + 1 for k, e in v.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass(frozen=True)
class Sizes:
    monitor: int  # bytes, after a success ping
    rich_monitor: int  # cron, timezone, five tags, keywords, thresholds
    ping_event: int  # without its body
    due_keys: int  # what a KEYS_ONLY due index would hold per monitor


def measure_sizes() -> Sizes:
    with moto_stack() as stack:
        plain = stack.create_monitor(name="Nightly Backup (db-1)", tags=["infrastructure", "backup"])
        rich = stack.create_monitor(
            name="Nightly Backup (db-1) for the billing cluster",
            tags=["infrastructure", "backup", "prod", "team-data", "db"],
            config_extra={
                "expectedInterval": None,
                "schedule": "0 3 * * *",
                "timezone": "Europe/Amsterdam",
                "successKeywords": ["backup complete"],
                "failureKeywords": ["ERROR", "FATAL"],
                "maxRuntime": 3600,
                "failureThreshold": 2,
            },
        )
        for m in (plain, rich):
            assert stack.ping(m["token"]).status == 200
        table = stack.refs["Table"]

        def items(monitor_id: str) -> dict[str, dict[str, Any]]:
            found = stack.dynamodb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"MON#{monitor_id}"}},
            )["Items"]
            return {i["sk"]["S"].split("#")[0]: i for i in found}

        mine, theirs = items(plain["id"]), items(rich["id"])
        keys = {k: mine["MON"][k] for k in ("pk", "sk", "due_shard", "deadline")}
        return Sizes(item_size(mine["MON"]), item_size(theirs["MON"]), item_size(mine["PING"]), item_size(keys))


def run() -> list[Row]:
    from heartbeat_local.template import Template

    template = Template()
    param = template.parameter_default
    shards, warm = int(param("DeadlineShards")), int(param("WarmWriteUnits"))
    route_rate, route_burst = int(param("PingRateLimit")), int(param("PingBurstLimit"))
    monitor_rate = int(param("MonitorPingRateLimit"))
    [due] = [i for i in template.resources["Table"]["Properties"]["GlobalSecondaryIndexes"] if i["IndexName"] == "due"]
    projection = due["Projection"]["ProjectionType"]
    sizes = measure_sizes()

    def due_units(monitor_size: int, kind: str) -> int:
        # The ping moves `deadline`, the index's sort key: a delete and a put of the index entry.
        return 2 * write_units(sizes.due_keys if kind == "KEYS_ONLY" else monitor_size)

    table_units = write_units(sizes.monitor) + write_units(sizes.ping_event + TYPICAL_BODY)
    index_units = due_units(sizes.monitor, projection)
    ping_ms = HANDLER_MS + 2 * DYNAMODB_ROUND_TRIP_MS  # the warm handler and its two writes

    def limits_at(warm: int) -> dict[str, int]:
        table_capacity = warm or NEW_ON_DEMAND_WRITE_UNITS
        return {
            "API Gateway, per ping route (PingRateLimit)": route_rate,
            "API Gateway, the account's default quota": API_GATEWAY_ACCOUNT_RATE,
            f"Lambda, {LAMBDA_ACCOUNT_CONCURRENCY:,} concurrent at {ping_ms:.1f} ms a ping": int(
                LAMBDA_ACCOUNT_CONCURRENCY / (ping_ms / 1000)
            ),
            f"table, {table_capacity:,} write units/s (WarmWriteUnits) / {table_units} a ping": table_capacity
            // table_units,
            f"due index, {shards} shards x {PARTITION_WRITE_UNITS:,} units/s / {index_units} a ping": shards
            * PARTITION_WRITE_UNITS
            // index_units,
            f"due index, {table_capacity:,} write units/s warm / {index_units} a ping": table_capacity // index_units,
        }

    limits = limits_at(warm)  # the defaults: no pre-warming
    sustained = min(limits.values())
    prewarmed = limits_at(PREWARMED_WRITE_UNITS)
    sustained_warm, bottleneck = min(prewarmed.values()), min(prewarmed, key=lambda k: prewarmed[k])
    rows = [
        Row(
            "capacity",
            "item sizes (measured)",
            f"monitor {sizes.monitor} B, rich monitor {sizes.rich_monitor} B, ping event {sizes.ping_event} B + body",
            note=f"due index entry with KEYS_ONLY would be {sizes.due_keys} B",
        ),
        Row(
            "capacity",
            "write units per success ping",
            f"table {table_units}, due index {index_units} ({projection}), list and slug 0",
            note=f"the monitor's update 1 + the ping event {write_units(sizes.ping_event + TYPICAL_BODY)} "
            f"(a {TYPICAL_BODY} B body; 1 more per KB of body); the index: delete + put",
        ),
    ]
    rows += [Row("capacity", f"sustained pings/s: {name}", f"{value:,}") for name, value in limits.items()]
    rows.append(
        Row(
            "capacity",
            "sustained pings/s the defaults take from the first minute (no pre-warming: free)",
            f"{sustained:,}",
            note="a new on-demand table then doubles what it takes after each 30 minutes at its peak",
        )
    )
    rows.append(
        Row(
            "capacity",
            f"sustained pings/s with WarmWriteUnits={PREWARMED_WRITE_UNITS} (a paid pre-warm, once per deploy)",
            f"{sustained_warm:,}",
            f">= {TARGET_PINGS_PER_S:,}",
            sustained_warm >= TARGET_PINGS_PER_S,
            f"first limit: {bottleneck}; beyond it raise PingRateLimit with an API Gateway quota increase, "
            "DeadlineShards (500 pings/s each) and WarmWriteUnits (2 per ping/s)",
        )
    )
    burst = min(route_burst, API_GATEWAY_ACCOUNT_BURST)
    burst_concurrency = math.ceil(burst * ping_ms / 1000)
    rows.append(
        Row(
            "capacity",
            "burst in one second on one ping route",
            f"{burst:,}",
            f">= {API_GATEWAY_ACCOUNT_BURST:,}",
            burst >= API_GATEWAY_ACCOUNT_BURST,
            f"about {burst_concurrency} Lambda instances at once (Lambda adds {LAMBDA_SCALING_PER_10_S:,} every 10 s)",
        )
    )
    rows.append(
        Row(
            "capacity",
            "one monitor's pings/s",
            f"{monitor_rate} per ping-function instance",
            note=f"a single item takes {PARTITION_WRITE_UNITS // table_units:,} pings/s; past the limit, 429 "
            "for that monitor only",
        )
    )
    rows += _projection_choice(sizes, due_units)
    rows += _cost_before_after(shards, table_units, index_units)
    sweeper = template.resources["SweeperFunction"]["Properties"]
    seconds_mode = {"Detection": "seconds"}
    loop_s = float(template._resolve(sweeper["Environment"]["Variables"]["SWEEP_LOOP_SECONDS"], seconds_mode))
    memory_gb = float(template._resolve(sweeper["MemorySize"], seconds_mode)) / 1024
    rows += _detection_cost(shards, loop_s, memory_gb)
    return rows


def _projection_choice(sizes: Sizes, due_units: Any) -> list[Row]:
    """KEYS_ONLY on `due` would cut the index's writes only for monitors over 1 KB, and cost the
    sweeper a read of every due item; the measured monitors fit in 1 KB either way."""
    rows = []
    for label, size in (("monitor", sizes.monitor), ("rich monitor", sizes.rich_monitor)):
        everything, keys = due_units(size, "ALL"), due_units(size, "KEYS_ONLY")
        rows.append(
            Row(
                "capacity",
                f"due index units per ping, {label}: ALL vs KEYS_ONLY",
                f"{everything} vs {keys}",
                note="ALL kept: no saving under 1 KB, and the sweeper reads the due items from the index itself",
            )
        )
    return rows


def _cost_before_after(shards: int, table_units: int, index_units: int) -> list[Row]:
    handler_ms = 0.3
    before = per_million_pings(handler_ms, table_writes=2, index_writes=2)  # 4 shards, ALL, as before
    after = per_million_pings(handler_ms, table_writes=table_units, index_writes=index_units)
    empty_sweeps = "DynamoDB (empty sweeps)"
    extra_sweeps = idle_per_month(shards, 0, 0)[empty_sweeps] - idle_per_month(4, 0, 0)[empty_sweeps]
    return [
        Row(
            "capacity",
            f"cost per million success pings, before / after (DeadlineShards 4 -> {shards}, pre-warmed)",
            f"${sum(before.values()):.2f} / ${sum(after.values()):.2f}",
            note="shards and pre-warming change no ping's write units; pre-warming is a one-time charge "
            f"(DynamoDB pricing page), the {shards - 4} extra shards' empty sweeps ${extra_sweeps:.2f} a month",
        )
    ]


def _detection_cost(shards: int, loop_s: float, memory_gb: float) -> list[Row]:
    """Detection=seconds: a sweeper running all the time (each minute's run lasts `loop_s`,
    overlapping the next), and a query per shard a second (twice in the overlap)."""
    overlap = loop_s / 60
    gb_s = overlap * SECONDS_A_MONTH * memory_gb
    lambda_usd = gb_s * PRICES["lambda_arm64_gb_second"]
    queries = overlap * SECONDS_A_MONTH * shards
    dynamodb_usd = queries * 0.5 * PRICES["dynamodb_read_unit_per_million"] / 1e6  # empty GSI query: 0.5 RRU
    free_tier_gb_s = 400_000
    return [
        Row(
            "cost",
            "Detection=seconds, sweeper per month",
            f"${dynamodb_usd + lambda_usd:.2f} list (${dynamodb_usd:.2f} within Lambda's free tier)",
            "< $5.00 within the free tier",
            dynamodb_usd < 5 and gb_s < free_tier_gb_s,
            f"DynamoDB {queries / 1e6:.0f}M empty queries ({shards} shards a second) ${dynamodb_usd:.2f}; "
            f"Lambda {gb_s:,.0f} GB-s ${lambda_usd:.2f} (free tier {free_tier_gb_s:,} GB-s)",
        )
    ]
