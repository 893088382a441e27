"""A monitor's limits (issue 26), the one set every door applies: each setting at its limit is taken
and one past it refused with the API's field; zone names are IANA's own list, the same on every host;
and the largest monitor the limits allow is a DynamoDB item far below the 400 KB a write is refused at
(so no request can turn into a "busy, try again" for a write that can never succeed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from heartbeat.domain import limits
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.eventpatterns import MAX_PATTERN_CHARS, MAX_PATTERNS
from heartbeat.domain.model import MAX_SECONDS
from heartbeat.domain.schedules import check_zone, iana_zones
from heartbeat.store import Store
from tests.harness import sample_monitor

WIDE = "\U0001d11e"  # four bytes in UTF-8: the most a character costs an item

AT_AND_PAST = [
    ("name", "n" * 200, "n" * 201, "name"),
    ("name", "x", "   ", "name"),
    ("description", "d" * 10_000, "d" * 10_001, "description"),
    ("tags", [f"t{i}" for i in range(20)], [f"t{i}" for i in range(21)], "tags"),
    ("tags", ["t" * 64], ["t" * 65], "tags"),
    ("tags", ["prod"], ["prod,db"], "tags"),
    ("tags", ["prod"], ["prod db"], "tags"),
    ("success_keywords", [f"k{i}" for i in range(10)], [f"k{i}" for i in range(11)], "config.successKeywords"),
    ("failure_keywords", ["k" * 100], ["k" * 101], "config.failureKeywords"),
    ("failure_keywords", ["k"], [""], "config.failureKeywords"),
    ("grace_s", MAX_SECONDS, MAX_SECONDS + 1, "config.gracePeriod"),
    ("interval_s", 1, 0, "config.expectedInterval"),
    ("failure_threshold", 100, 101, "config.failureThreshold"),
    ("realert_s", 60, 59, "config.realertInterval"),
    ("timezone", "America/Argentina/ComodRivadavia", "localtime", "config.timezone"),
    ("timezone", "UTC", "posixrules", "config.timezone"),
    ("timezone", "Europe/Riga", "Europe/" + "x" * 249, "config.timezone"),
    ("timezone", "Etc/GMT+5", "/etc/localtime", "config.timezone"),
    ("schedule", "0 2 * * *", "0 2 * * * " + "*" * 200, "config.schedule"),
    (
        "events",
        [{"source": ["aws.ecs"]}],
        [{"source": ["aws.ecs"], "detail": {"a": [{"anything-but": {}}]}}],
        "config.events[0].detail.a[0].anything-but",
    ),
]


@pytest.mark.parametrize(("setting", "at", "past", "place"), AT_AND_PAST)
def test_a_setting_at_its_limit_is_taken_and_one_past_it_refused(setting: str, at: Any, past: Any, place: str) -> None:
    limits.check_setting(setting, at)
    with pytest.raises(InvalidInput) as refused:
        limits.check_setting(setting, past)
    assert refused.value.field == place


def test_zone_names_are_iana_s_list_not_the_files_of_this_host() -> None:
    zones = iana_zones()
    assert {"UTC", "Europe/Riga", "America/New_York", "Etc/GMT-14"} <= zones
    assert not {"localtime", "posixrules", "right/UTC", "posix/UTC"} & zones
    for name in zones:
        assert check_zone(name) == name


def test_the_largest_monitor_the_limits_allow_is_a_small_item() -> None:
    pattern = {"source": ["aws.ecs"], "detail": {"group": ["g" * (MAX_PATTERN_CHARS - 60)]}}
    assert len(json.dumps(pattern)) <= MAX_PATTERN_CHARS
    m = sample_monitor(
        name=WIDE * 200,
        description=WIDE * 10_000,
        tags=[f"{i:02}" + WIDE * 62 for i in range(20)],
        success_keywords=[f"{i}" + WIDE * 99 for i in range(10)],
        failure_keywords=[f"{i}" + WIDE * 99 for i in range(10)],
        events=[pattern] * MAX_PATTERNS,
        runs={f"{i:032x}": 1_795_572_000_000 for i in range(50)},
        event_runs={f"{i:012x}": -1_795_572_000 for i in range(10)},
    )
    limits.check_settings(m)
    item = Store.open(client=None, table_name="t", shards=4).monitors.item(m)
    # An upper bound on DynamoDB's size: attribute names and values, plus JSON's type tags and quotes
    size = len(json.dumps(item, ensure_ascii=False).encode())
    assert size < 100_000, size  # about 79 KB
