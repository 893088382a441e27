"""docs/alerts/ is what the renderers write (`make docs-alerts`): a change to an alert's words shows
in the diff, and the docs cannot drift from what subscribers get."""

from __future__ import annotations

import json
from pathlib import Path

from heartbeat.domain.model import AlertEvent, Cause
from heartbeat.domain.targetkinds import KINDS
from heartbeat_local.alertdocs import DOCS, EXAMPLES, rendered


def test_the_checked_in_alerts_are_the_renderers_output() -> None:
    expected = rendered()
    on_disk = {p.relative_to(DOCS): p.read_text() for p in DOCS.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(expected), "docs/alerts/ has other files: run `make docs-alerts`"
    for path, text in expected.items():
        assert on_disk[path] == text, f"docs/alerts/{path} is stale: run `make docs-alerts`"


def test_the_examples_are_down_for_every_cause_a_reminder_and_a_recovery() -> None:
    alerts = [make() for _, make in EXAMPLES.values()]
    causes = {a.facts.failure.cause for a in alerts if a.facts and a.facts.failure and a.event is AlertEvent.DOWN}
    assert causes == set(Cause)
    assert {AlertEvent.REMINDER, AlertEvent.UP} <= {a.event for a in alerts}
    sms = [line for line in rendered()[Path("sms.txt")].splitlines() if line and not line.startswith("#")]
    assert len(sms) == len(EXAMPLES) + 1 and all(len(line) <= 160 for line in sms)  # and the test alert's


def test_the_readme_shows_a_real_email_and_sms() -> None:
    readme = (DOCS.parent.parent / "README.md").read_text()
    files = rendered()
    email = files[Path("email/down-exit-status.txt")].split("\n\n", 1)[1]  # without its Subject line
    [sms] = [line for line in files[Path("sms.txt")].splitlines() if "> DOWN Nightly Backup: exit" in line]
    assert f"```text\n{email}```" in readme and f"```text\n{sms}\n```" in readme


def test_the_readme_shows_a_real_slack_message() -> None:
    readme = (DOCS.parent.parent / "README.md").read_text()
    blocks = json.loads(rendered()[Path("slack/reminder.json")])["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks[:2])  # the title and the facts
    assert f"```text\n{shown}\n```" in readme


def test_each_chat_kind_has_its_down_reminder_and_recovery() -> None:
    files = rendered()
    for kind in KINDS:
        for name in ("down", "reminder", "up"):
            json.loads(files[Path(kind) / f"{name}.json"])  # the body as sent: JSON
