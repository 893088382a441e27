"""Issue 30: every difference from Healthchecks that its translated tests (tests/integration/hc/)
expect to fail is one the README documents, in the README's words."""

from __future__ import annotations

import importlib
import pkgutil
import re

import tests.integration.hc as hc
from heartbeat_local.template import ROOT


def test_every_strict_xfail_in_the_translated_tests_gives_a_reason_the_readme_states() -> None:
    readme = re.sub(r"\s+", " ", (ROOT / "README.md").read_text())
    reasons = []
    for info in pkgutil.iter_modules(hc.__path__):
        module = importlib.import_module(f"{hc.__name__}.{info.name}")
        for name, test in vars(module).items():
            for mark in getattr(test, "pytestmark", []) if name.startswith("test_") else []:
                if mark.name == "xfail":
                    assert mark.kwargs.get("strict") is True, name
                    reasons.append((name, mark.kwargs["reason"]))
    assert reasons
    # A test that differs in several ways names each, joined with "; "
    assert [(name, part) for name, reason in reasons for part in reason.split("; ") if part not in readme] == []
