"""Monitoring as code: `heartbeat apply` and `heartbeat export` through the real API handler."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

import heartbeat_cli as cli
from heartbeat_local.template import ROOT
from tests.harness import HandlerApi, Request, Stack

EXAMPLE = ROOT / "examples" / "heartbeat.yml"


def write(tmp_path: Path, doc: Any) -> str:
    path = tmp_path / "heartbeat.yml"
    path.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return str(path)


def monitors(stack: Stack) -> dict[str, dict]:
    return {m["name"]: m for m in stack.request("GET", "/api/v1/monitors").json()["items"]}


def test_the_example_applies_then_reapplies_with_no_change(stack: Stack) -> None:
    api = HandlerApi(stack)
    out = cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none")
    assert out.splitlines()[-1] == "Applied: 3 created, 0 updated, 0 unchanged, 0 deleted."
    made = monitors(stack)
    assert set(made) == {"Nightly Backup", "Weekday Reports", "Queue Worker"}
    assert made["Weekday Reports"]["config"].items() >= {"schedule": "30 6 * * 1-5", "maxRuntime": 1800}.items()
    assert made["Queue Worker"]["config"]["failureThreshold"] == 3 and made["Queue Worker"]["tags"] == [
        "infrastructure",
        "queue",
    ]

    writes = stack.count_calls()
    assert cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none") == "No changes: 3 monitors unchanged."
    assert not {"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem"} & set(writes)


def test_export_applies_back_cleanly(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none")
    stack.create_monitor(name="Made By Hand", interval=600, grace=60, config_extra={"minInterval": 300})
    exported = tmp_path / "exported.yml"
    assert cli.export_file(api, str(exported)) == f"wrote {exported}"
    doc = yaml.safe_load(exported.read_text())
    assert doc["version"] == "1" and len(doc["monitors"]) == 4
    worker = next(m for m in doc["monitors"] if m["name"] == "Queue Worker")
    # Settings at their defaults are left out; the schedule, the grace and the rest are there.
    assert worker == {
        "name": "Queue Worker",
        "key": "queue-worker",
        "type": "HEARTBEAT",
        "config": {"expectedInterval": 60, "gracePeriod": 120, "failureThreshold": 3, "realertInterval": 3600},
        "tags": ["infrastructure", "queue"],
    }
    out = cli.apply_file(api, str(exported), dry_run=False, prune="all")
    assert out == "No changes: 4 monitors unchanged."


def test_dry_run_prints_the_plan_with_field_diffs_and_changes_nothing(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none")
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["monitors"][0]["config"]["gracePeriod"] = 7200
    doc["monitors"][0]["tags"] = ["infrastructure", "db"]
    doc["monitors"].pop(1)
    doc["monitors"].append({"name": "Cleanup", "config": {"expectedInterval": 3600}})
    before = monitors(stack)

    out = cli.apply_file(api, write(tmp_path, doc), dry_run=True, prune="managed")
    assert out.splitlines() == [
        "~ update    Nightly Backup: config.gracePeriod 3600 -> 7200,"
        ' tags ["infrastructure"] -> ["infrastructure", "db"]',
        "+ create    Cleanup",
        "- delete    Weekday Reports",
        "Plan: 1 to create, 1 to update, 1 unchanged, 1 to delete.",
    ]
    assert monitors(stack) == before


def test_prune_deletes_only_what_a_file_made_unless_prune_all(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    stack.create_monitor(name="Made By Hand")
    cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none")
    only_backup = {"version": "1", "monitors": [{"name": "Nightly Backup", "config": {"expectedInterval": 86400}}]}
    path = write(tmp_path, only_backup)
    cli.apply_file(api, path, dry_run=False, prune="managed")
    assert set(monitors(stack)) == {"Nightly Backup", "Made By Hand"}
    cli.apply_file(api, path, dry_run=False, prune="all")
    assert set(monitors(stack)) == {"Nightly Backup"}


def test_a_key_lets_a_file_rename_a_monitor_and_keep_its_history(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    cli.apply_file(api, str(EXAMPLE), dry_run=False, prune="none")
    worker = monitors(stack)["Queue Worker"]
    stack.ping(worker["pingUrl"].rsplit("/", 1)[-1])
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["monitors"][2]["name"] = "Queue Worker (eu)"
    out = cli.apply_file(api, write(tmp_path, doc), dry_run=False, prune="managed")
    assert '~ update    Queue Worker (eu): name "Queue Worker" -> "Queue Worker (eu)"' in out
    renamed = monitors(stack)["Queue Worker (eu)"]
    assert renamed["id"] == worker["id"] and renamed["lastPingAt"] is not None


def test_an_invalid_file_names_every_problem_and_applies_nothing(stack: Stack, tmp_path: Path) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["monitors"][0]["config"]["gracePeriod"] = 0
    doc["monitors"][2]["config"]["schedule"] = "61 * * * *"
    doc["monitors"][1]["colour"] = "red"
    with pytest.raises(cli.CliError) as e:
        cli.apply_file(HandlerApi(stack), write(tmp_path, doc), dry_run=False, prune="none")
    lines = str(e.value).splitlines()
    assert lines[0] == "3 problems (HTTP 422):"
    assert any(line.startswith("  monitors[0].config.gracePeriod: ") for line in lines)
    assert any(line.startswith("  monitors[1].colour: ") for line in lines)
    assert any(line.startswith("  monitors[2].config") for line in lines)
    assert monitors(stack) == {}


def test_a_monitor_declared_twice_is_refused_with_both_places(stack: Stack, tmp_path: Path) -> None:
    doc = {"version": "1", "monitors": [{"name": "A"}, {"name": "B"}, {"name": "A"}]}
    with pytest.raises(cli.CliError) as e:
        cli.apply_file(HandlerApi(stack), write(tmp_path, doc), dry_run=False, prune="none")
    assert "monitors[2].name: name 'A' is declared twice (also at monitors[0])" in str(e.value)
    assert monitors(stack) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: '1'\nmonitors: [\n", "heartbeat.yml:3:1: not valid YAML"),
        ("- just a list\n", 'expected a mapping with version: "1"'),
    ],
)
def test_a_file_that_is_not_yaml_or_not_a_mapping_says_where(
    stack: Stack, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(cli.CliError) as e:
        cli.apply_file(HandlerApi(stack), write(tmp_path, text), dry_run=False, prune="none")
    assert message in str(e.value)


def test_a_wrong_version_is_refused(stack: Stack, tmp_path: Path) -> None:
    with pytest.raises(cli.CliError) as e:
        path = write(tmp_path, {"version": "2", "monitors": []})
        cli.apply_file(HandlerApi(stack), path, dry_run=False, prune="none")
    assert "version" in str(e.value)


def test_a_large_file_applies_in_chunks_with_a_progress_bar(stack: Stack, tmp_path: Path) -> None:
    doc = {"version": "1", "monitors": [{"name": f"job {i:03d}", "tags": ["bulk"]} for i in range(250)]}
    api, progress = HandlerApi(stack), io.StringIO()
    out = cli.apply_file(api, write(tmp_path, doc), dry_run=False, prune="none", progress=progress)
    assert out.endswith("Applied: 250 created, 0 updated, 0 unchanged, 0 deleted.")
    assert api.requests == 1 + 2  # one dry run for the plan, then chunks of 200
    assert progress.getvalue().rstrip().endswith("250/250")
    assert len(stack.store.monitors.all()) == 250
    assert cli.apply_file(api, write(tmp_path, doc), dry_run=False, prune="none").startswith("No changes: 250")


def test_a_read_key_cannot_apply(stack: Stack) -> None:
    reply = stack.request("POST", "/api/v1/apply", {"version": "1", "monitors": []}, key=stack.make_key("read"))
    assert reply.status == 403


SUBS_FILE = """
version: "1"
monitors:
  - name: Nightly Backup
    type: HEARTBEAT
    config: {expectedInterval: 86400, gracePeriod: 3600}
    tags: [infrastructure]
subscriptions:
  - protocol: slack
    endpoint: ${SLACK_WEBHOOK_URL}
    filter: {tags: [infrastructure]}
  - protocol: email
    endpoint: oncall@example.com
    filter: {events: [monitor.down]}
"""


def subscriptions(stack: Stack) -> dict[str, dict]:
    return {s["protocol"]: s for s in stack.request("GET", "/api/v1/subscriptions").json()["items"]}


def test_subscriptions_in_the_file_apply_with_secrets_from_the_environment(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = HandlerApi(stack)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/secret")
    path = write(tmp_path, SUBS_FILE)
    out = cli.apply_file(api, path, dry_run=False, prune="none", env=["SLACK_WEBHOOK_URL"])
    assert "+ create    slack https://hooks.slack.com/…" in out  # the secret is not printed
    assert out.splitlines()[-1] == "Subscriptions: 2 created, 0 updated, 0 unchanged, 0 deleted."
    made = subscriptions(stack)
    assert made["slack"]["filter"]["tags"] == ["infrastructure"] and made["email"]["filter"]["events"] == [
        "monitor.down"
    ]
    assert [t.endpoint for t in stack.store.targets.all()] == ["https://hooks.slack.com/services/T0/B0/secret"]
    # Applied again: nothing written.
    assert (
        cli.apply_file(api, path, dry_run=False, prune="none", env=["SLACK_WEBHOOK_URL"])
        == "No changes: 1 monitors, 2 subscriptions unchanged."
    )
    # A changed filter is updated in place (the same subscription, so no second confirmation email).
    changed = write(tmp_path, SUBS_FILE.replace("events: [monitor.down]", "events: [monitor.down, monitor.up]"))
    out = cli.apply_file(api, changed, dry_run=False, prune="none", env=["SLACK_WEBHOOK_URL"])
    assert (
        '~ update    email oncall@example.com: filter.events ["monitor.down"] -> ["monitor.down", "monitor.up"]' in out
    )
    after = subscriptions(stack)
    assert after["email"]["id"] == made["email"]["id"] and after["email"]["filter"]["events"] == [
        "monitor.down",
        "monitor.up",
    ]


def test_prune_removes_only_the_subscriptions_a_file_made(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = HandlerApi(stack)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/secret")
    cli.apply_file(api, write(tmp_path, SUBS_FILE), dry_run=False, prune="none", env=["SLACK_WEBHOOK_URL"])
    by_hand = stack.request("POST", "/api/v1/subscriptions", {"protocol": "sms", "endpoint": "+15551234567"})
    assert by_hand.status == 201
    only_email = (
        SUBS_FILE.split("  - protocol: slack")[0] + "  - protocol: email" + SUBS_FILE.split("  - protocol: email")[1]
    )
    out = cli.apply_file(api, write(tmp_path, only_email), dry_run=False, prune="managed")
    assert "- delete    slack https://hooks.slack.com/…" in out
    assert set(subscriptions(stack)) >= {"email", "sms"} and "slack" not in subscriptions(stack)
    assert stack.store.targets.all() == []
    cli.apply_file(api, write(tmp_path, only_email), dry_run=False, prune="all")
    assert "sms" not in subscriptions(stack)


def test_a_file_with_a_bad_subscription_changes_nothing(stack: Stack, tmp_path: Path) -> None:
    api = HandlerApi(stack)
    bad = SUBS_FILE.replace("${SLACK_WEBHOOK_URL}", "http://hooks.slack.com/plain-http")
    with pytest.raises(cli.CliError, match=r"subscriptions\[0\]\.endpoint"):
        cli.apply_file(api, write(tmp_path, bad), dry_run=False, prune="none")
    assert monitors(stack) == {} and stack.store.targets.all() == []


def test_a_missing_environment_variable_is_named(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    with pytest.raises(cli.CliError, match=r"subscriptions\[0\]\.endpoint: \$\{SLACK_WEBHOOK_URL\} is not set"):
        cli.apply_file(
            HandlerApi(stack), write(tmp_path, SUBS_FILE), dry_run=False, prune="none", env=["SLACK_WEBHOOK_URL"]
        )


HOOK_FILE = """
version: "1"
monitors: []
subscriptions:
  - protocol: webhook
    endpoint: https://hooks.slack.com/services/T0/B0/hook
    template: '{"token": "${HOOK_TOKEN}", "text": "$NAME is $STATUS"}'
"""


@pytest.mark.parametrize(
    ("variable", "env", "refusal"),
    [
        ("HEARTBEAT_API_KEY", [], r"\$\{HEARTBEAT_API_KEY\} is the CLI's own credential"),
        ("HEARTBEAT_API_KEY", ["HEARTBEAT_API_KEY"], r"\$\{HEARTBEAT_API_KEY\} is the CLI's own credential"),
        ("AWS_SECRET_ACCESS_KEY", ["AWS_SECRET_ACCESS_KEY"], r"\$\{AWS_SECRET_ACCESS_KEY\} is the CLI's own"),
        ("COPY_OF_KEY", ["COPY_OF_KEY"], r"\$\{COPY_OF_KEY\} holds the CLI's own credential"),
        ("HOOK_TOKEN", ["SOMETHING_ELSE"], r"\$\{HOOK_TOKEN\} is not allowed: pass --env HOOK_TOKEN"),
    ],
)
def test_a_file_takes_only_the_environment_variables_it_is_allowed_and_never_the_cli_s_key(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, env: list[str], refusal: str
) -> None:
    """Issue 26: a template naming ${HEARTBEAT_API_KEY} delivered the admin key to the webhook."""
    monkeypatch.setenv("HEARTBEAT_API_KEY", stack.admin_key)
    monkeypatch.setenv("COPY_OF_KEY", stack.admin_key)
    monkeypatch.setenv("HOOK_TOKEN", "hook-token")
    path = write(tmp_path, HOOK_FILE.replace("HOOK_TOKEN", variable))
    with pytest.raises(cli.CliError, match=r"subscriptions\[0\]\.template: " + refusal) as refused:
        cli.apply_file(HandlerApi(stack), path, dry_run=False, prune="none", env=env)
    assert stack.admin_key not in str(refused.value) and stack.store.targets.all() == []


def test_variables_are_taken_only_into_fields_never_shown(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "hook-token")
    path = write(tmp_path, HOOK_FILE + "    filter: {tags: ['${HOOK_TOKEN}']}\n")
    with pytest.raises(cli.CliError, match=r"subscriptions\[0\]\.filter\.tags\[0\]: \$\{HOOK_TOKEN\}: only endpoint"):
        cli.apply_file(HandlerApi(stack), path, dry_run=False, prune="none", env=["HOOK_TOKEN"])


def test_a_plan_never_shows_a_template_that_may_hold_a_secret(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 26: after an edit, the plan printed the template, and the key in it, in clear."""
    api = HandlerApi(stack)
    monkeypatch.setenv("HOOK_TOKEN", "first-s3cret")
    path = write(tmp_path, HOOK_FILE)
    cli.apply_file(api, path, dry_run=False, prune="none", env=["HOOK_TOKEN"])
    assert [t.template for t in stack.store.targets.all()] == ['{"token": "first-s3cret", "text": "$NAME is $STATUS"}']
    monkeypatch.setenv("HOOK_TOKEN", "second-s3cret")
    plan = cli.apply_file(api, path, dry_run=True, prune="none", env=["HOOK_TOKEN"])
    assert '~ update    webhook https://hooks.slack.com/…: template "…" -> "…"' in plan
    doc = cli.read_file(path, env=["HOOK_TOKEN"])
    reply = stack.request("POST", "/api/v1/apply?dryRun=true", doc)  # what any client of the API sees
    assert reply.status == 200 and reply.json()["subscriptionSummary"]["update"] == 1
    for shown in (plan, reply.body.decode()):
        assert "s3cret" not in shown


def apply_doc(names: list[str], keyed: bool = False) -> dict[str, Any]:
    entries = [{"name": n, "type": "HEARTBEAT", "config": {"expectedInterval": 60, "gracePeriod": 30}} for n in names]
    if keyed:
        for e in entries:
            e["key"] = str(e["name"]).lower().replace(" ", "-")
    return {"version": "1", "monitors": entries}


def test_two_applies_at_once_create_each_declared_monitor_once(stack: Stack) -> None:
    """Issue 26: both applies plan `create` from their listings; the monitor is created once, and the
    apply that lost the claim adopts it (identity: the file key, else the name)."""
    names = ["Backup", "Queue Worker", "Reports"]
    for rounds in range(4):
        keyed = rounds % 2 == 1
        replies = stack.at_once(*[Request("POST", "/api/v1/apply", apply_doc(names, keyed))] * 2)

        assert [r.status for r in replies] == [200, 200], [r.body for r in replies]
        listed = stack.request("GET", "/api/v1/monitors").json()["items"]
        assert sorted(m["name"] for m in listed) == names, rounds
        made = [r.json()["summary"]["create"] for r in replies]
        assert sum(made) == len(names), made  # what each says it did is what it did
        for m in listed:  # the next round starts from nothing
            assert stack.request("DELETE", f"/api/v1/monitors/{m['id']}").status == 204


def test_two_pruning_applies_at_once_both_finish(stack: Stack) -> None:
    """Issue 26: both plan to delete the same monitors; a monitor the other apply deleted first is
    deleted as this one wanted, not a 404 part way through its plan."""
    kept, pruned = ["Backup"], [f"Old job {i}" for i in range(6)]
    for rounds in range(3):
        assert stack.request("POST", "/api/v1/apply", apply_doc(kept + pruned)).status == 200

        replies = stack.at_once(*[Request("POST", "/api/v1/apply?prune=managed", apply_doc(kept))] * 2)

        assert [r.status for r in replies] == [200, 200], (rounds, [r.body for r in replies])
        assert [m["name"] for m in stack.request("GET", "/api/v1/monitors").json()["items"]] == kept
