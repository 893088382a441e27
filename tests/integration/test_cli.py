"""The CLI: its AWS-side command (bootstrap the first key), its flags and global options, its error
messages and exit statuses, and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import heartbeat_cli as cli
from tests.harness import HandlerApi, Stack

M1 = "5f1c0b0e8a614f4e9a570b2b1f3c2d10"  # an id: used as it is, with no lookup
MONITOR = {"id": M1, "name": "Reports", "status": "up", "config": {"expectedInterval": 60, "gracePeriod": 30}}


class Recording:
    """Records what the CLI sends; answers `answer` (a listing, such as a monitor's pings, an empty
    page), or passes the call on to `api`."""

    def __init__(self, api: Any = None, answer: Any = None) -> None:
        self.api, self.answer, self.calls = api, answer, []

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        self.calls.append((method, path, body, query))
        if self.api:
            return self.api.call(method, path, body, query)
        return {"items": [], "nextCursor": None} if path.endswith(("/pings", "/incidents")) else self.answer

    @property
    def body(self) -> Any:
        return self.calls[-1][2]


def test_bootstrap_makes_a_working_admin_key(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--table", stack.refs["Table"], "--secret", stack.refs["ApiKeySecret"]]
    assert cli.main(["--output", "json", "keys", "bootstrap", *where, "--name", "ops"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["role"] == "admin" and made["key"].startswith("hb_")
    assert stack.request("POST", "/api/v1/monitors", {"name": "x"}, key=made["key"]).status == 201


def test_bootstrap_with_a_table_needs_the_secret(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "bootstrap", "--table", stack.refs["Table"]]) == 1
    assert "--secret" in capsys.readouterr().err


def test_bootstrap_needs_a_stack_or_a_table_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "bootstrap"]) == 2
    assert "give one of --stack or --table" in capsys.readouterr().err
    assert cli.main(["keys", "bootstrap", "--stack", "s", "--table", "t"]) == 2
    assert "give one of --stack or --table" in capsys.readouterr().err


def test_bootstrap_from_a_missing_stack_says_so(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "bootstrap", "--stack", "no-such-stack"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("heartbeat: AWS:") and "no-such-stack" in err and "Traceback" not in err


def test_missing_url_or_key_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HEARTBEAT_API_URL", raising=False)
    monkeypatch.delenv("HEARTBEAT_API_KEY", raising=False)
    assert cli.main(["monitors", "list"]) == 1
    assert "HEARTBEAT_API_URL" in capsys.readouterr().err
    assert cli.main(["--api-url", "http://127.0.0.1:9", "monitors", "list"]) == 1
    assert "HEARTBEAT_API_KEY" in capsys.readouterr().err


def test_unreachable_api_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--api-url", "http://127.0.0.1:9", "--api-key", "k", "monitors", "list"]) == 1
    assert "cannot reach the API" in capsys.readouterr().err


def test_table_output_aligns_columns() -> None:
    out = cli.table([{"a": "x", "b": ["t1", "t2"]}, {"a": "longer", "b": None}], [("a", "A"), ("b", "TAGS")])
    assert out.splitlines() == ["A       TAGS", "x       t1,t2", "longer"]


def test_create_flags_become_the_api_body() -> None:
    api = Recording(answer=MONITOR)
    flags = ["--schedule", "30 6 * * 1-5", "--timezone", "Europe/Riga", "--grace-period", "900", "--tag", "finance"]
    cli.run(["monitors", "create", "--name", "Reports", *flags], api=api)
    method, path, body, _ = api.calls[-1]
    assert (method, path) == ("POST", "/api/v1/monitors")
    assert body["config"] == {"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga", "gracePeriod": 900}
    assert body["tags"] == ["finance"] and body["type"] == "HEARTBEAT" and body["name"] == "Reports"
    assert "slug" not in body


def test_update_sends_only_what_is_given() -> None:
    api = Recording(answer=MONITOR)
    cli.run(["monitors", "update", M1, "--grace-period", "60"], api=api)
    assert api.calls == [("PATCH", f"/api/v1/monitors/{M1}", {"config": {"gracePeriod": 60}}, None)]
    cli.run(["monitors", "update", M1, "--name", "New", "--tag", "a", "--tag", "b", "--slug", "new"], api=api)
    assert api.body == {"name": "New", "tags": ["a", "b"], "slug": "new"}


def test_every_command_names_a_monitor_by_id_slug_or_exact_name(stack: Stack) -> None:
    api = HandlerApi(stack)
    backup = stack.create_monitor("Nightly Backup", slug="pg-backup")
    for ref in (backup["id"], "pg-backup", "Nightly Backup"):
        assert json.loads(cli.run(["monitors", "get", ref, "-o", "json"], api=api))["id"] == backup["id"]
    cli.run(["monitors", "update", "Nightly Backup", "--grace-period", "120"], api=api)
    cli.run(["monitors", "pause", "pg-backup"], api=api)
    assert stack.monitor(backup["id"])["status"] == "paused"
    assert stack.monitor(backup["id"])["config"]["gracePeriod"] == 120
    cli.run(["monitors", "resume", "Nightly Backup"], api=api)
    stack.ping(backup["token"])
    assert (
        json.loads(cli.run(["monitors", "pings", "pg-backup", "-o", "json"], api=api))["items"][0]["kind"] == "success"
    )
    assert json.loads(cli.run(["monitors", "incidents", "pg-backup", "-o", "json"], api=api))["items"] == []
    out = cli.run(["subscriptions", "add", "--protocol", "webhook", "--endpoint", "http://127.0.0.1:9/h",
                   "--monitor", "pg-backup", "-o", "json"], api=api)  # fmt: skip
    assert json.loads(out)["filter"]["monitors"] == [backup["id"]]
    assert cli.run(["monitors", "delete", "pg-backup"], api=api) == f"deleted Nightly Backup ({backup['id']})"
    with pytest.raises(cli.CliError, match="no monitor has the id, slug or name 'pg-backup'"):
        cli.run(["monitors", "get", "pg-backup"], api=api)


def test_a_name_that_names_two_monitors_says_which_they_are(stack: Stack) -> None:
    first = stack.create_monitor("Reports", slug="reports-eu")
    second = stack.create_monitor("Reports", slug="reports-us")
    other = stack.create_monitor("Other", slug="reports")  # its slug is the two's name but for case
    stack.create_monitor("reports-eu", slug="elsewhere")  # a name that is the first one's slug
    with pytest.raises(cli.CliError) as e:
        cli.run(["monitors", "pause", "Reports"], api=HandlerApi(stack))
    assert str(e.value).splitlines() == [
        "'Reports' names 2 monitors; give one's id:",
        *sorted(f"  {m['id']}  slug {m['slug']}  name 'Reports'" for m in (first, second)),
    ]
    assert stack.monitor(first["id"])["status"] == stack.monitor(second["id"])["status"] == "new"  # neither paused
    assert json.loads(cli.run(["monitors", "get", "reports", "-o", "json"], api=HandlerApi(stack)))["id"] == other["id"]
    with pytest.raises(cli.CliError, match="'reports-eu' names 2 monitors"):  # one's slug, the other's name
        cli.run(["monitors", "get", "reports-eu"], api=HandlerApi(stack))


def test_policy_flags_become_a_body_the_api_accepts_and_off_clears(stack: Stack) -> None:
    flags = ["--max-runtime", "900", "--min-interval", "600", "--failure-keyword", "ERROR"]
    flags += ["--failure-keyword", "Traceback", "--success-keyword", "done", "--failure-threshold", "3"]
    flags += ["--recovery-threshold", "2", "--realert-interval", "3600", "--manual-resume"]
    api = Recording(HandlerApi(stack))
    made = json.loads(cli.run(["monitors", "create", "--name", "Backup", *flags, "-o", "json"], api=api))
    config = made["config"]
    assert (
        config.items()
        >= {
            "maxRuntime": 900,
            "minInterval": 600,
            "failureKeywords": ["ERROR", "Traceback"],
            "successKeywords": ["done"],
            "failureThreshold": 3,
            "recoveryThreshold": 2,
            "realertInterval": 3600,
            "manualResume": True,
        }.items()
    )
    shown = cli.run(["monitors", "get", made["id"]], api=api).splitlines()
    assert shown[shown.index("  max runtime    15 min") :][:8] == [
        "  max runtime    15 min",
        "  min interval   10 min",
        "  keywords       fail if 'ERROR' or 'Traceback'; success only if 'done'",
        "  alert after    3 failures in a row",
        "  resolve after  2 good runs in a row",
        "  reminders      every 1 h",
        "  manual resume  yes",
        "  POST only      no",
    ]

    off = ["--max-runtime", "off", "--realert-interval", "off", "--failure-keyword", "", "--no-manual-resume"]
    after = json.loads(cli.run(["monitors", "update", made["id"], *off, "--output", "json"], api=api))["config"]
    patch = api.calls[-1][2]["config"]
    assert patch == {"maxRuntime": None, "failureKeywords": [], "realertInterval": None, "manualResume": False}
    assert after.items() >= {"maxRuntime": None, "failureKeywords": [], "realertInterval": None}.items()
    assert after["minInterval"] == 600  # what was not given stays


def test_a_bad_seconds_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["monitors", "create", "--name", "x", "--max-runtime", "soon"]) == 2
    assert "expected seconds or 'off', got 'soon'" in capsys.readouterr().err


def test_usage_errors_exit_2_and_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["monitors", "frobnicate"]) == 2
    assert cli.main(["apply", "-f", "x.yml", "--prune", "--prune-all"]) == 2
    assert "not both" in capsys.readouterr().err
    assert cli.main(["subscriptions", "add", "--protocol", "carrier-pigeon", "--endpoint", "x"]) == 2
    assert cli.main(["monitors", "get", "--help"]) == 0
    assert "--output" in capsys.readouterr().out  # the global options are listed on every command


@pytest.mark.parametrize(
    "argv",
    [
        ["--output", "json", "monitors", "get", M1],
        ["monitors", "get", M1, "--output", "json"],  # as the AWS CLI takes them
        ["monitors", "-o", "json", "get", M1],
        ["monitors", "get", "-o", "json", M1],
        ["-o", "table", "monitors", "get", M1, "-o", "json"],  # the last one given wins
    ],
)
def test_global_options_come_before_or_after_the_subcommand(argv: list[str]) -> None:
    assert json.loads(cli.run(argv, api=Recording(answer=MONITOR))) == MONITOR


def test_table_is_the_default_output() -> None:
    assert cli.run(["monitors", "get", M1], api=Recording(answer=MONITOR)).startswith("Reports\n  status ")
    assert cli.run(["-o", "json", "monitors", "get", M1, "-o", "table"], api=Recording(answer=MONITOR))[0] == "R"


def test_api_url_and_key_come_from_flags_anywhere_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[str | None, str | None]] = []
    monkeypatch.setattr(cli.session, "Api", lambda url, key, _: seen.append((url, key)) or Recording(answer=MONITOR))
    monkeypatch.setenv("HEARTBEAT_API_URL", "http://env")
    monkeypatch.setenv("HEARTBEAT_API_KEY", "env-key")
    assert cli.main(["monitors", "get", M1]) == 0
    assert cli.main(["monitors", "get", M1, "--api-url", "http://flag", "--api-key", "flag-key"]) == 0
    assert cli.main(["--api-key", "first", "monitors", "get", M1]) == 0
    assert seen == [("http://env", "env-key"), ("http://flag", "flag-key"), ("http://env", "first")]
    capsys.readouterr()


def test_bash_completion_script_is_produced() -> None:
    result = CliRunner().invoke(cli.heartbeat, [], prog_name="heartbeat", env={"_HEARTBEAT_COMPLETE": "bash_source"})
    assert result.exit_code == 0
    assert "_heartbeat_completion()" in result.output
    assert "complete -o nosort -F _heartbeat_completion heartbeat" in result.output


def test_completion_offers_commands_and_options() -> None:
    def complete(words: str) -> list[str]:
        env = {"_HEARTBEAT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        result = CliRunner().invoke(cli.heartbeat, [], prog_name="heartbeat", env=env)
        return [line.split(",", 1)[1] for line in result.output.splitlines()]

    assert complete("heartbeat mon") == ["monitors"]
    assert complete("heartbeat monitors get m1 --out") == ["--output"]
    assert complete("heartbeat subscriptions add --protocol sl") == ["slack"]


def test_the_installed_script_runs_and_completes() -> None:
    script = str(Path(sys.executable).with_name("heartbeat"))
    env = {**os.environ, "_HEARTBEAT_COMPLETE": "bash_source"}
    done = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "_heartbeat_completion" in done.stdout
    done = subprocess.run([script, "monitors", "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "incidents" in done.stdout


def test_ack_snooze_and_unsnooze_from_the_cli(stack: Stack) -> None:
    api = Recording(HandlerApi(stack))
    m = stack.create_monitor("Nightly Backup", slug="pg-backup")
    stack.ping(m["token"], "/fail")
    card = cli.run(["monitors", "ack", "pg-backup", "--note", "restoring"], api=api)
    assert api.body == {"note": "restoring"}
    assert "acknowledged" in card and "by test-admin" in card and "restoring" in card
    cli.run(["monitors", "snooze", "Nightly Backup", "--for", "4h"], api=api)
    assert api.body == {"seconds": 4 * 3600}
    assert stack.monitor(m["id"])["snoozedUntil"] is not None
    until = Recording(answer=MONITOR)
    cli.run(["monitors", "snooze", M1, "--until", "2099-01-01T09:00:00+02:00"], api=until)
    assert until.body == {"until": "2099-01-01T09:00:00+02:00"}
    cli.run(["monitors", "unsnooze", "pg-backup"], api=api)
    assert api.calls[-1][:2] == ("DELETE", f"/api/v1/monitors/{m['id']}/snooze")
    assert stack.monitor(m["id"])["snoozedUntil"] is None
    for bad in (["--for", "soon"], [], ["--for", "1h", "--until", "2099-01-01T09:00:00Z"]):
        with pytest.raises(click.UsageError):
            cli.run(["monitors", "snooze", "pg-backup", *bad], api=api)
