"""EventBridge patterns (issue 26): the grammar AWS documents and aws/event-ruler enforces, each
operator matched as EventBridge matches it, and a matcher that never raises, whatever it is given."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.eventpatterns import check_pattern, matches


def ecs(**detail: Any) -> dict[str, Any]:
    return {"source": ["aws.ecs"], "detail": detail}


EVENT = {
    "source": "aws.ecs",
    "detail-type": "ECS Task State Change",
    "account": "111122223333",
    "detail": {
        "group": "family:nightly-backup",
        "lastStatus": "STOPPED",
        "cpu": 256,
        "ip": "10.0.0.7",
        "path": "/opt/app/bin/run.jar",
        "containers": ["backup", "sidecar"],
        "attachments": {"type": "eni"},
    },
}

# Each operator of AWS's content filtering, with one event field it matches and one it does not.
MATCHING = [
    (ecs(group=["family:nightly-backup"]), ecs(group=["family:other"])),
    (ecs(group=[{"prefix": "family:nightly"}]), ecs(group=[{"prefix": "nightly"}])),
    (
        ecs(group=[{"prefix": {"equals-ignore-case": "FAMILY:Night"}}]),
        ecs(group=[{"prefix": {"equals-ignore-case": "x"}}]),
    ),
    (ecs(group=[{"suffix": "-backup"}]), ecs(group=[{"suffix": "-report"}])),
    (ecs(group=[{"suffix": {"equals-ignore-case": "-BACKUP"}}]), ecs(group=[{"suffix": {"equals-ignore-case": "-X"}}])),
    (ecs(lastStatus=[{"equals-ignore-case": "stopped"}]), ecs(lastStatus=[{"equals-ignore-case": "running"}])),
    (ecs(group=[{"wildcard": "family:*-backup"}]), ecs(group=[{"wildcard": "family:*-report"}])),
    (ecs(path=[{"wildcard": "*/bin/*.jar"}]), ecs(path=[{"wildcard": "*/lib/*"}])),
    (ecs(lastStatus=[{"anything-but": "RUNNING"}]), ecs(lastStatus=[{"anything-but": "STOPPED"}])),
    (ecs(lastStatus=[{"anything-but": ["RUNNING", "PENDING"]}]), ecs(lastStatus=[{"anything-but": ["STOPPED"]}])),
    (ecs(cpu=[{"anything-but": [512, 1024]}]), ecs(cpu=[{"anything-but": 256}])),
    (ecs(group=[{"anything-but": {"prefix": "test-"}}]), ecs(group=[{"anything-but": {"prefix": "family:"}}])),
    (ecs(group=[{"anything-but": {"suffix": ["-a", "-b"]}}]), ecs(group=[{"anything-but": {"suffix": "backup"}}])),
    (
        ecs(lastStatus=[{"anything-but": {"equals-ignore-case": ["running"]}}]),
        ecs(lastStatus=[{"anything-but": {"equals-ignore-case": "stopped"}}]),
    ),
    (ecs(path=[{"anything-but": {"wildcard": "*/lib/*"}}]), ecs(path=[{"anything-but": {"wildcard": "*/bin/*"}}])),
    (ecs(cpu=[{"numeric": [">", 0, "<=", 256]}]), ecs(cpu=[{"numeric": [">", 256]}])),
    (ecs(cpu=[{"numeric": ["=", 2.56e2]}]), ecs(cpu=[{"numeric": ["<", 256]}])),
    (ecs(cpu=[256]), ecs(cpu=["256"])),
    (ecs(ip=[{"cidr": "10.0.0.0/24"}]), ecs(ip=[{"cidr": "10.0.1.0/24"}])),
    (ecs(group=[{"exists": True}]), ecs(group=[{"exists": False}])),
    (ecs(missing=[{"exists": False}]), ecs(missing=[{"exists": True}])),
    (ecs(attachments=[{"exists": False}]), ecs(attachments=[{"exists": True}])),  # an object is no leaf
    (ecs(containers=["sidecar"]), ecs(containers=["web"])),  # an array matches if any element does
    (
        {"source": ["aws.ecs"], "$or": [{"detail": {"cpu": [1]}}, {"detail": {"lastStatus": ["STOPPED"]}}]},
        {"source": ["aws.ecs"], "$or": [{"detail": {"cpu": [1]}}, {"detail": {"lastStatus": ["RUNNING"]}}]},
    ),
    (
        ecs(**{"$or": [{"cpu": [{"numeric": [">", 100]}]}, {"group": ["x"]}]}),
        ecs(**{"$or": [{"cpu": [{"numeric": [">", 1000]}]}, {"group": ["x"]}]}),
    ),
    (ecs(attachments={"type": ["eni"]}), ecs(attachments={"type": ["efs"]})),
]


@pytest.mark.parametrize(("hit", "miss"), MATCHING)
def test_each_operator_is_accepted_and_matches_as_eventbridge_does(hit: dict, miss: dict) -> None:
    for pattern in (hit, miss):
        check_pattern(pattern, "events[0]")
    assert matches(hit, EVENT) is True
    assert matches(miss, EVENT) is False


REFUSED = [
    # The five, refused by EventBridge's own PutRule
    (ecs(group=[{"anything-but": {}}]), "events[0].detail.group[0].anything-but"),
    (ecs(cpu=[{"numeric": ["!!", 1]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(group=[{"anything-but": {"prefix": 5}}]), "events[0].detail.group[0].anything-but.prefix"),
    (ecs(group=[{"anything-but": {"numeric": "x"}}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": {"bogus": 1}}]), "events[0].detail.group[0].anything-but"),
    # And the rest of the grammar's edges
    (ecs(group=[{"anything-but": []}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": ["a", 1]}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": None}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": True}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": {"prefix": ""}}]), "events[0].detail.group[0].anything-but.prefix"),
    (ecs(group=[{"anything-but": {"prefix": "a", "suffix": "b"}}]), "events[0].detail.group[0].anything-but"),
    (ecs(group=[{"anything-but": {"wildcard": "a**"}}]), "events[0].detail.group[0].anything-but.wildcard"),
    (ecs(cpu=[{"numeric": ["<", 5, ">", 1]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": [">", 5, "<", 1]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": ["=", 1, "<", 5]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": [">", "1"]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": [">", True]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": [">"]}]), "events[0].detail.cpu[0].numeric"),
    (ecs(cpu=[{"numeric": ">"}]), "events[0].detail.cpu[0].numeric"),
    (ecs(group=[{"prefix": 1}]), "events[0].detail.group[0].prefix"),
    (ecs(group=[{"prefix": {"equals-ignore-case": 1}}]), "events[0].detail.group[0].prefix.equals-ignore-case"),
    (ecs(group=[{"suffix": {"wildcard": "x"}}]), "events[0].detail.group[0].suffix"),
    (ecs(group=[{"equals-ignore-case": ["a"]}]), "events[0].detail.group[0].equals-ignore-case"),
    (ecs(group=[{"wildcard": "a**b"}]), "events[0].detail.group[0].wildcard"),
    (ecs(group=[{"wildcard": "a\\b"}]), "events[0].detail.group[0].wildcard"),
    (ecs(group=[{"exists": "true"}]), "events[0].detail.group[0].exists"),
    (ecs(ip=[{"cidr": "10.0.0.300/24"}]), "events[0].detail.ip[0].cidr"),
    (ecs(ip=[{"cidr": "10.0.0.1"}]), "events[0].detail.ip[0].cidr"),
    (ecs(group=[{"prefix": "a", "suffix": "b"}]), "events[0].detail.group[0]"),
    (ecs(group=[{"contains": "a"}]), "events[0].detail.group[0]"),
    (ecs(group=[["a"]]), "events[0].detail.group[0]"),
    (ecs(group=[]), "events[0].detail.group"),
    (ecs(group={}), "events[0].detail.group"),
    (ecs(group="a"), "events[0].detail.group"),
    (ecs(**{"$or": [{"group": ["a"]}]}), "events[0].detail.$or"),
    (ecs(**{"$or": [{"group": ["a"]}, "b"]}), "events[0].detail.$or"),
    (ecs(**{"$or": [{"group": ["a"]}, {"prefix": ["b"]}]}), "events[0].detail.$or[1].prefix"),
    ({"source": ["aws.ecs"], "$or": [{"detail": {"a": [1]}}, {"detial": {"a": [1]}}]}, "events[0].$or[1].detial"),
]


@pytest.mark.parametrize(("pattern", "place"), REFUSED)
def test_what_eventbridge_refuses_is_refused_with_its_place(pattern: dict, place: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_pattern(pattern, "events[0]")
    assert refused.value.field == place


@pytest.mark.parametrize(("pattern", "_place"), REFUSED)
def test_a_refused_pattern_stored_anyway_matches_nothing_and_raises_nothing(pattern: dict, _place: str) -> None:
    assert matches(pattern, EVENT) is False


# Keys that make a pattern look like one (operators, fields) and values of every JSON kind.
KEYS = ["source", "detail", "group", "$or", "prefix", "suffix", "anything-but", "numeric", "exists", "cidr"]
KEYS += ["wildcard", "equals-ignore-case", "=", ">", "*"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(pattern=json_values, event=json_values)
def test_the_matcher_never_raises_whatever_it_is_given(pattern: Any, event: Any) -> None:
    assert matches(pattern, event) in (True, False)
    assert matches(pattern, EVENT) in (True, False)
