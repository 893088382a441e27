"""Reading AWS run events (issue 26): every field of every source's sample, at every depth, replaced
by a value of each other JSON kind, is read or refused as malformed, and nothing else is raised, so
no event shape can make the events function fail (and be retried into its dead-letter queue)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heartbeat.domain.errors import MalformedEvent
from heartbeat.domain.runsources import RunReport, report_of

NOW_MS = 1_795_000_000_000
EVENTS = Path(__file__).parents[2] / "events"
SAMPLES = sorted(p.stem for p in EVENTS.glob("run-*.json"))
OTHER_KINDS: list[Any] = [None, True, 7, -1.5, 1e308, "x", "", [], ["x"], [1], {}, {"a": 1}]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def variants(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The event with one field (top-level or anywhere in detail) set to each other kind of value."""
    paths: list[tuple[Any, ...]] = [(key,) for key in event]

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            paths.append((*path, key))
            walk(value, (*path, key))

    walk(event["detail"], ("detail",))
    for path in paths:
        for value in OTHER_KINDS:
            changed = copy.deepcopy(event)
            node = changed
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            yield f"{'.'.join(map(str, path))}={value!r}", changed


@pytest.mark.parametrize("name", SAMPLES)
def test_any_field_of_any_kind_is_read_or_refused_as_malformed_never_raised(name: str) -> None:
    sample = load_event(name)
    assert isinstance(report_of(sample, NOW_MS), RunReport)
    unexpected = []
    for where, event in variants(sample):
        try:
            report_of(event, NOW_MS)
        except MalformedEvent:
            continue
        except Exception as e:  # the point: nothing else may escape
            unexpected.append(f"{where}: {type(e).__name__}: {e}")
    assert unexpected == []


@pytest.mark.parametrize(
    ("name", "path", "value", "field"),
    [
        ("run-ecs-task-stopped", ("containers",), 5, "detail.containers"),
        ("run-ecs-task-stopped", ("group",), ["family:x"], "detail.group"),
        ("run-batch-job-succeeded", ("attempts",), 3, "detail.attempts"),
        ("run-glue-job-failed", ("message",), 42, "detail.message"),
        ("run-codebuild-build-succeeded", ("additional-information",), "logs", "detail.additional-information"),
        ("run-lambda-invocation-failure", ("requestContext",), "ctx", "detail.requestContext"),
        ("run-lambda-invocation-failure", ("requestContext", "functionArn"), 12, "detail.requestContext.functionArn"),
    ],
)
def test_the_reported_shapes_name_their_field(name: str, path: tuple[str, ...], value: Any, field: str) -> None:
    event = copy.deepcopy(load_event(name))
    node = event["detail"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(MalformedEvent) as refused:
        report_of(event, NOW_MS)
    assert refused.value.field == field
