"""The CLI's AWS-side command (bootstrap the first key) and its error messages."""

from __future__ import annotations

import json

import pytest

from heartbeat_tools import cli
from heartbeat_tools.harness import Stack


def test_bootstrap_makes_a_working_admin_key(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--table", stack.refs["Table"], "--secret", stack.refs["ApiKeySecret"]]
    assert cli.main(["--output", "json", "keys", "bootstrap", *where, "--name", "ops"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["role"] == "admin" and made["key"].startswith("hb_")
    assert stack.request("POST", "/api/v1/monitors", {"name": "x"}, key=made["key"]).status == 201


def test_bootstrap_with_a_table_needs_the_secret(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "bootstrap", "--table", stack.refs["Table"]]) == 1
    assert "--secret" in capsys.readouterr().err


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
    args = cli.parser().parse_args(
        [
            "monitors",
            "create",
            "--name",
            "Reports",
            "--schedule",
            "30 6 * * 1-5",
            "--timezone",
            "Europe/Riga",
            "--grace-period",
            "900",
            "--tag",
            "finance",
        ]
    )
    assert cli._config(args) == {"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga", "gracePeriod": 900}
    assert args.tag == ["finance"] and args.type == "HEARTBEAT"


def test_a_cron_monitor_reads_as_its_schedule_in_tables() -> None:
    row = cli.flatten_monitor({"config": {"schedule": "0 2 * * *", "timezone": "UTC", "gracePeriod": 60}})
    assert row["schedule"] == "0 2 * * * UTC"
    row = cli.flatten_monitor({"config": {"expectedInterval": 3600, "gracePeriod": 60}})
    assert row["schedule"] == "every 3600 s"


def test_policy_flags_become_a_body_the_api_accepts_and_off_clears(stack: Stack) -> None:
    flags = ["--max-runtime", "900", "--min-interval", "600", "--failure-keyword", "ERROR"]
    flags += ["--failure-keyword", "Traceback", "--success-keyword", "done", "--failure-threshold", "3"]
    flags += ["--recovery-threshold", "2", "--realert-interval", "3600", "--manual-resume"]
    args = cli.parser().parse_args(["monitors", "create", "--name", "Backup", *flags])
    reply = stack.request("POST", "/api/v1/monitors", {"name": args.name, "config": cli._config(args)})
    assert reply.status == 201, reply.body
    config = reply.json()["config"]
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
    shown = cli.show_monitor(reply.json())
    assert "max runtime 900 s; min interval 600 s; success if 'done'; fail if 'ERROR' or 'Traceback'" in shown
    assert "alert after 3 failures; resolve after 2 good runs; remind every 3600 s; manual resume" in shown

    off = ["--max-runtime", "off", "--realert-interval", "off", "--failure-keyword", "", "--no-manual-resume"]
    args = cli.parser().parse_args(["monitors", "update", reply.json()["id"], *off])
    patch = cli._config(args)
    assert patch == {"maxRuntime": None, "failureKeywords": [], "realertInterval": None, "manualResume": False}
    after = stack.request("PATCH", f"/api/v1/monitors/{reply.json()['id']}", {"config": patch}).json()["config"]
    assert after.items() >= {"maxRuntime": None, "failureKeywords": [], "realertInterval": None}.items()
    assert after["minInterval"] == 600  # what was not given stays


def test_a_bad_seconds_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["monitors", "create", "--name", "x", "--max-runtime", "soon"])
    assert "expected seconds or 'off'" in capsys.readouterr().err
