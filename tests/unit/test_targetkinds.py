"""The target kinds (heartbeat/domain/targetkinds/): every module of the package is a registered
kind, and the CLI, which speaks HTTP only and so keeps its own list, offers every kind and every
field a kind takes; a kind added without either fails here."""

from __future__ import annotations

import importlib

from heartbeat.domain import targetkinds
from heartbeat.usecases.subscriptions import SNS_PROTOCOLS
from heartbeat_cli import subscriptions as cli
from heartbeat_local.template import ROOT

PACKAGE = ROOT / "layers/common/heartbeat/domain/targetkinds"


def test_each_module_of_the_package_is_a_registered_kind() -> None:
    for path in PACKAGE.glob("*.py"):
        if path.stem not in ("__init__", "common", "kind"):  # a module left out of KINDS would never be sent
            kind = importlib.import_module(f"heartbeat.domain.targetkinds.{path.stem}").KIND
            assert targetkinds.KINDS[kind.name] is kind


def test_the_cli_offers_every_kind_and_every_field_the_kinds_take() -> None:
    assert [*SNS_PROTOCOLS, *targetkinds.KINDS] == cli.PROTOCOLS
    fields = {f.name: f.attribute for kind in targetkinds.KINDS.values() for f in kind.fields[1:]}
    assert {api: option for option, api in cli.TARGET_FIELDS} == fields
