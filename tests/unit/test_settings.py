"""Issue 27, step 1: each monitor setting is written once (domain/settings.py) and every room that
knows settings derives them from there. For every entry: the API's create, change and answer models
have its field (in the registry's order, which is the OpenAPI document's), with its default, null
clearing it only where it says so; the codec stores and reads it back, set and at its default; the
limits check it at its bounds, naming `config.<api>`; the CLI has its flag and its card line; an
export leaves it out at its default; Healthchecks' API and import carry the ones it maps."""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from types import ModuleType
from typing import Any

import pytest

from heartbeat.domain import limits
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Monitor
from heartbeat.domain.settings import DEFAULT_INTERVAL_S, EXTENSION, SETTINGS, Kind, Setting
from heartbeat.store import Store
from heartbeat.store.codec import monitor_from_item
from heartbeat_cli import hcimport
from heartbeat_cli.monitors import config_body, create, update
from heartbeat_cli.views import settings_lines
from heartbeat_local.template import ROOT
from tests.harness import T0, sample_monitor

SET = {  # a value other than the default, for each kind
    Kind.FLAG: True,
    Kind.KEYWORDS: ["ERROR", "Traceback"],
    Kind.CRON: "30 2 * * *",
    Kind.ZONE: "Europe/Riga",
    Kind.PATTERNS: [{"source": ["aws.ecs"]}],
    Kind.MONITORS: ["0" * 32, "f" * 32],
    Kind.QUORUM: {"min": 3},
}
IDS = [s.api for s in SETTINGS]


def set_value(s: Setting) -> Any:
    """A valid value other than its default: a number within its bounds, else one of its kind."""
    if s.kind is Kind.SECONDS or s.kind is Kind.COUNT:
        assert s.low is not None and s.high is not None
        return s.low + 1 if s.default != s.low + 1 else s.low + 2
    return SET[s.kind]


def function_module(function: str, name: str) -> ModuleType:
    """A function's own module, imported as Lambda would (its directory first on sys.path), then
    dropped from sys.modules so the handlers other tests load get their own."""
    root = str(ROOT / "functions" / function)
    sys.path.insert(0, root)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(root)
        for loaded, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(root + os.sep):
                del sys.modules[loaded]


monitors_schema = function_module("api", "schemas.monitors")
files_schema = function_module("api", "schemas.files")
checks = function_module("healthchecks", "checks")


def with_setting(s: Setting, value: Any) -> Monitor:
    m = sample_monitor(**{s.attr: value})
    if s.of_schedule and s.attr != "interval_s":  # a cron line in its zone, instead of an interval
        m = dataclasses.replace(m, interval_s=None, schedule=m.schedule or SET[Kind.CRON])
    return m


@pytest.mark.parametrize("s", SETTINGS, ids=IDS)
def test_each_setting_is_a_monitor_field_defaulting_to_its_registry_default(s: Setting) -> None:
    field = {f.name: f for f in dataclasses.fields(Monitor)}[s.attr]
    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
        assert s.attr in ("interval_s", "grace_s")  # required: every monitor has one (or a schedule)
    else:
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default
        assert default == s.default


def test_the_api_models_have_one_field_per_setting_in_the_registrys_order() -> None:
    for model in (monitors_schema.MonitorConfig, monitors_schema.MonitorConfigPatch, monitors_schema.ConfigOut):
        assert list(model.model_fields) == IDS, model.__name__


def test_a_new_monitors_config_takes_every_default() -> None:
    config = monitors_schema.MonitorConfig()
    taken = monitors_schema.monitor_settings(config)
    assert taken == {s.attr: s.default for s in SETTINGS} | {"interval_s": DEFAULT_INTERVAL_S}


@pytest.mark.parametrize("s", SETTINGS, ids=IDS)
def test_each_setting_goes_through_the_api_and_back(s: Setting) -> None:
    value = set_value(s)
    given = monitors_schema.MonitorConfigPatch.model_validate({s.api: value})
    settings = monitors_schema.monitor_settings(given)
    assert settings == {s.attr: value}
    new = monitors_schema.MonitorConfig.model_validate({s.api: value})
    assert monitors_schema.monitor_settings(new)[s.attr] == value
    shown = monitors_schema.config_json(with_setting(s, value))
    assert shown[s.api] == value
    monitors_schema.ConfigOut.model_validate(shown)  # the answer is what the document says


@pytest.mark.parametrize("s", SETTINGS, ids=IDS)
def test_null_in_a_change_clears_only_the_settings_that_say_so(s: Setting) -> None:
    if s.clears:
        assert monitors_schema.monitor_settings(monitors_schema.MonitorConfigPatch.model_validate({s.api: None})) == {
            s.attr: None
        }
    else:
        with pytest.raises(ValueError, match=f"{s.api} cannot be null"):
            monitors_schema.MonitorConfigPatch.model_validate({s.api: None})


@pytest.mark.parametrize("s", SETTINGS, ids=IDS)
def test_the_codec_keeps_each_setting_set_and_at_its_default(s: Setting) -> None:
    store = Store.open(client=None, table_name="t", shards=4)
    for value in (set_value(s), s.default):
        if value is None and not s.optional:
            continue
        m = with_setting(s, value)
        assert monitor_from_item(store.monitors.item(m)) == m, value


def test_a_monitor_at_its_defaults_stores_no_optional_setting() -> None:
    """Absent, not false or empty: the ping path's conditions test for their absence."""
    store = Store.open(client=None, table_name="t", shards=4)
    item = store.monitors.item(sample_monitor())
    unset = {s.attribute.partition(".")[0] for s in SETTINGS if s.default in (None, False, [])} - {"interval_s"}
    assert unset.isdisjoint(item)


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.low is not None], ids=lambda s: s.api)
def test_the_limits_take_each_number_at_its_bounds_and_refuse_one_past(s: Setting) -> None:
    assert s.low is not None and s.high is not None
    for value in (s.low, s.high):
        limits.check_setting(s.attr, value)
    for value in (s.low - 1, s.high + 1, True):
        with pytest.raises(InvalidInput) as refused:
            limits.check_setting(s.attr, value)
        assert refused.value.field == f"config.{s.api}"


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.below], ids=lambda s: s.api)
def test_a_setting_that_stays_under_another_is_refused_at_it_and_free_without_it(s: Setting) -> None:
    assert s.below is not None
    other = next(o for o in SETTINGS if o.api == s.below[0])
    bound = 600
    limits.check_settings(sample_monitor(**{other.attr: bound, s.attr: bound - 1}))
    limits.check_settings(sample_monitor(**{other.attr: None, s.attr: bound}))
    with pytest.raises(InvalidInput) as refused:
        limits.check_settings(sample_monitor(**{other.attr: bound, s.attr: bound}))
    assert refused.value.field == f"config.{s.api}" and other.api in str(refused.value)


def test_every_setting_has_its_limits_check() -> None:
    assert {s.attr for s in SETTINGS} <= set(limits.CHECKS)


def test_the_cli_has_a_flag_for_every_setting_but_the_event_patterns() -> None:
    """Patterns are JSON, given in a monitors file (heartbeat apply), not on the command line."""
    assert {s.api for s in SETTINGS if not s.flag} == {"events"}
    for command in (create, update):
        options = {p.name: p for p in command.params}
        for s in (s for s in SETTINGS if s.flag):
            assert s.flag.split("/")[0] in options[s.api].opts


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.flag], ids=lambda s: s.api)
def test_each_flag_becomes_its_config_field(s: Setting) -> None:
    value = set_value(s)
    given = tuple(value) if s.kind is Kind.KEYWORDS else value
    assert config_body({s.api: given}) == {s.api: value}
    if s.clears:
        assert config_body({s.api: "off"}) == {s.api: None}


def test_the_card_has_a_line_for_every_setting_with_words() -> None:
    config = monitors_schema.config_json(sample_monitor(events=[{"source": ["aws.ecs"]}]))
    labels = [label for label, _ in settings_lines(config)]
    assert set(labels) == {s.words.label for s in SETTINGS if s.words is not None}


@pytest.mark.parametrize("s", SETTINGS, ids=IDS)
def test_an_export_leaves_a_setting_at_its_default_out_and_keeps_it_set(s: Setting) -> None:
    always = set(files_schema.ALWAYS_EXPORTED)
    at_default = files_schema.export_json(sample_monitor())["config"]
    assert set(at_default) <= always | {"expectedInterval"}
    assert files_schema.export_json(with_setting(s, set_value(s)))["config"][s.api] == set_value(s)


def test_healthchecks_carries_the_extension_and_the_flags_it_maps() -> None:
    extended = [s for s in SETTINGS if s.hc == EXTENSION]
    assert list(checks.HeartbeatExtension.model_fields) == [s.api for s in extended]
    assert {s.attr for s in SETTINGS if s.hc} <= set(checks.FIELDS)
    m = sample_monitor(**{s.attr: set_value(s) for s in SETTINGS if s.hc == EXTENSION or s.kind is Kind.FLAG})
    shown = checks.check_json(m, T0, checks.Links("https://hb.example", 3), readonly=False, channels=[])
    assert shown[EXTENSION] == {s.api: set_value(s) for s in extended}
    body = {s.hc: shown[s.hc] for s in SETTINGS if s.kind is Kind.FLAG and s.hc} | {EXTENSION: shown[EXTENSION]}
    settings = checks.settings_of(checks.parse_spec(body), 3)
    assert settings == {s.attr: getattr(m, s.attr) for s in SETTINGS if s.hc == EXTENSION or s.kind is Kind.FLAG}
    # ... and the import takes them from a check as Healthchecks' API answers it
    item = hcimport.translate(shown | {"name": "Job", "grace": 3600})
    assert item.entry is not None
    assert item.entry["config"].items() >= {s.api: set_value(s) for s in SETTINGS if s.api in settings}.items()
