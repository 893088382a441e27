"""The AWS run sources (heartbeat/domain/runsources/) and the template's rule agree: a source added
without its events in the rule (which would never deliver them), or events in the rule that no
source reads (which would cost an invocation each for nothing), fail here."""

from __future__ import annotations

import importlib
import json
from collections import Counter

from heartbeat.domain import runsources
from heartbeat_local.template import ROOT, Template

EVENTS = ROOT / "events"


def test_the_templates_rule_forwards_exactly_the_events_the_sources_read(template: Template) -> None:
    [(function, pattern)] = template.event_rules().values()
    registered = runsources.rule_pattern()
    assert function == "EventsFunction"
    assert set(pattern) == set(registered) == {"source", "detail-type"}
    for key in registered:
        assert Counter(pattern[key]) == Counter(registered[key]), f"template.yaml's AwsRuns rule, {key}"


def test_each_module_of_the_package_is_a_source_with_its_own_events() -> None:
    package = ROOT / "layers/common/heartbeat/domain/runsources"
    for path in package.glob("*.py"):
        if path.stem not in ("__init__", "common"):  # a module left out of SOURCES would read nothing
            assert importlib.import_module(f"heartbeat.domain.runsources.{path.stem}").RUN_SOURCE in runsources.SOURCES
    assert len(set(runsources.NAMES)) == len(runsources.SOURCES)
    detail_types = [t for s in runsources.SOURCES for t in s.readers]
    assert len(set(detail_types)) == len(detail_types)


def test_every_source_has_a_sample_event_its_reader_reports_a_run_of() -> None:
    # tests/unit/test_awsruns.py throws every shape at each sample: a source without one escapes it.
    samples = [json.loads(p.read_text()) for p in sorted(EVENTS.glob("run-*.json"))]
    assert {e["source"] for e in samples} == set(runsources.NAMES)
    assert all(runsources.report_of(e, now_ms=0) is not None for e in samples)
