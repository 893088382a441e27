"""Issue 15, migration: `heartbeat import healthchecks` reads a Healthchecks project's checks (a recorded
answer of GET /api/v3/checks/, or Heartbeat's own Healthchecks API served over local HTTP) and applies them
as monitors through the real handlers over moto: field by field, idempotently, never deleting."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import heartbeat_cli as cli
from heartbeat_local.template import ROOT
from tests.harness import HandlerApi, Stack

FIXTURE = ROOT / "tests" / "fixtures" / "healthchecks" / "checks-v3.json"
WRITES = {"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem", "BatchWriteItem"}


def recorded() -> list[dict[str, Any]]:
    return json.loads(FIXTURE.read_text())["checks"]


def by_name(checks: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(c for c in checks if c["name"] == name)


def monitors(stack: Stack) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in stack.request("GET", "/api/v1/monitors?limit=100").json()["items"]}


def exported_keys(stack: Stack) -> dict[str, str]:
    return {m["name"]: m.get("key") for m in stack.request("GET", "/api/v1/export").json()["monitors"]}


def import_file(stack: Stack, path: Path | str = FIXTURE, *more: str) -> str:
    return cli.run(["import", "healthchecks", "--from-file", str(path), *more], api=HandlerApi(stack))


def saved(tmp_path: Path, checks: list[dict[str, Any]]) -> Path:
    path = tmp_path / "checks.json"
    path.write_text(json.dumps({"checks": checks}))
    return path


def unique_key(code: str) -> str:
    """Healthchecks' Check.unique_key."""
    return hashlib.sha1(uuid.UUID(code).hex[:16].encode()).hexdigest()


class Source:
    """A Healthchecks server on 127.0.0.1: `answer(method, path, api_key)` gives (status, content type or
    headers, body)."""

    def __init__(self, answer: Callable[[str, str, str | None], tuple[int, str | dict[str, str], bytes]]) -> None:
        self.requests: list[tuple[str, str | None]] = []
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                source.requests.append((self.path, self.headers.get("X-Api-Key")))
                status, headers, body = answer("GET", self.path, self.headers.get("X-Api-Key"))
                self.send_response(status)
                for name, value in ({"content-type": headers} if isinstance(headers, str) else headers).items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def hc_api(stack: Stack) -> Iterator[Source]:
    """The stack's own Healthchecks API (the HealthchecksFunction) over real local HTTP."""

    def forward(method: str, path: str, key: str | None) -> tuple[int, str | dict[str, str], bytes]:
        reply = stack.request(method, path, key=key)
        return reply.status, reply.headers.get("content-type", "application/json"), reply.body

    source = Source(forward)
    yield source
    source.close()


# ---- a recorded Healthchecks project ------------------------------------------------------------------


def test_a_recorded_project_imports_field_by_field(stack: Stack) -> None:
    out = import_file(stack)
    made = monitors(stack)
    assert set(made) == {
        "Nightly Backup", "Weekday Reports", "Queue Worker", "Old Cleanup", "Office Hours Sync", "Mail Import",
        "unnamed",
    }  # fmt: skip
    backup = made["Nightly Backup"]
    assert (backup["description"], backup["slug"], backup["tags"]) == (
        "pg_dump of the main database to S3", "nightly-backup", ["prod", "db"],
    )  # fmt: skip
    assert backup["config"].items() >= {"expectedInterval": 86400, "gracePeriod": 3600, "postOnly": False}.items()
    reports = made["Weekday Reports"]["config"]
    assert reports.items() >= {"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga", "gracePeriod": 900,
                               "manualResume": True}.items()  # fmt: skip
    assert "expectedInterval" not in reports
    worker = made["Queue Worker"]
    assert worker["config"].items() >= {
        "expectedInterval": 300, "gracePeriod": 120, "postOnly": True,
        "successKeywords": ["OK", "done"], "failureKeywords": ["ERROR", "Traceback"],
    }.items()  # fmt: skip
    assert (worker["slug"], worker["tags"]) == ("queue-worker", ["prod", "queue"])
    # An exact OnCalendar form becomes its cron line; keywords for emails only do not come over
    assert made["Office Hours Sync"]["config"].items() >= {"schedule": "0 9 * * 1-5", "timezone": "Europe/Riga"}.items()
    assert made["Mail Import"]["config"]["successKeywords"] == [] == made["Mail Import"]["config"]["failureKeywords"]
    assert made["Old Cleanup"]["status"] == "new" and made["unnamed"]["config"]["expectedInterval"] == 86400
    # Each monitor carries Healthchecks' unique_key of its check as its key
    checks = recorded()
    keys = exported_keys(stack)
    assert keys["Nightly Backup"] == "hc-" + unique_key(by_name(checks, "Nightly Backup")["uuid"])
    assert len(set(keys.values())) == 7

    lines = out.splitlines()
    assert "Applied: 7 created, 0 updated, 0 unchanged, 0 deleted." in lines
    assert lines[-1] == "Checks: 8, 7 imported, 1 skipped."
    for name, monitor in made.items():
        check = by_name(checks, "" if name == "unnamed" else name)
        at = lines.index(f"- {name}")
        assert lines[at + 1 : at + 3] == [f"    ping URL  {check['ping_url']}", f"           -> {monitor['pingUrl']}"]
    assert any(line.startswith("! Month Start Report: skipped: OnCalendar schedule 'Sat *-*-1..7 18:00:00'")
               for line in lines)  # fmt: skip


def test_the_report_says_what_did_not_come_over(stack: Stack) -> None:
    out = import_file(stack)
    section = {block.split("\n")[0]: block for block in ("\n" + out).split("\n- ")[1:]}
    assert "not carried over: channels: alerts go to Heartbeat's subscriptions" in section["Nightly Backup"]
    mail = section["Mail Import"]
    assert "not carried over: start_kw 'Starting': Heartbeat has no start keywords" in mail
    assert "not carried over: email filters (filter_subject/filter_body)" in mail
    assert "not carried over: success_kw/failure_kw: Healthchecks matched them in emails only" in mail
    assert "not carried over: paused on Healthchecks: imported unpaused" in section["Old Cleanup"]
    assert "note: OnCalendar schedule 'Mon..Fri 09:00' imported as cron '0 9 * * 1-5'" in section["Office Hours Sync"]
    assert "note: no name on Healthchecks: named 'unnamed'" in section["unnamed"]
    assert "not carried over" not in section["Queue Worker"] and "note" not in section["Queue Worker"]


def test_a_second_import_reports_no_changes_and_writes_nothing(stack: Stack) -> None:
    first = import_file(stack)
    writes = stack.count_calls()
    again = import_file(stack)
    assert "No changes: 7 monitors unchanged." in again.splitlines()
    assert not WRITES & set(writes)
    # The same report, with the same new ping URLs
    assert again.split("\n- ", 1)[1] == first.split("\n- ", 1)[1]


def test_a_dry_run_shows_the_plan_and_writes_nothing(stack: Stack, tmp_path: Path) -> None:
    writes = stack.count_calls()
    out = import_file(stack, FIXTURE, "--dry-run")
    assert not WRITES & set(writes) and monitors(stack) == {}
    lines = out.splitlines()
    assert (
        "+ create    Nightly Backup" in lines and "Plan: 7 to create, 0 to update, 0 unchanged, 0 to delete." in lines
    )
    assert "           -> (made when applied)" in lines and lines[-2:] == [
        "Checks: 8, 7 to import, 1 skipped.", "Dry run: nothing was changed.",
    ]  # fmt: skip

    # Once imported, a dry run of a changed project shows the update and the monitors' ping URLs
    import_file(stack)
    checks = recorded()
    by_name(checks, "Queue Worker")["grace"] = 600
    writes = stack.count_calls()
    out = import_file(stack, saved(tmp_path, checks), "--dry-run")
    assert not WRITES & set(writes)
    assert "~ update    Queue Worker: config.gracePeriod 120 -> 600" in out.splitlines()
    assert monitors(stack)["Queue Worker"]["pingUrl"] in out and "(made when applied)" not in out


def test_a_renamed_check_updates_its_monitor_and_keeps_its_ping_url(stack: Stack, tmp_path: Path) -> None:
    import_file(stack)
    before = monitors(stack)["Nightly Backup"]
    checks = recorded()
    by_name(checks, "Nightly Backup")["name"] = "Nightly Database Backup"
    out = import_file(stack, saved(tmp_path, checks))
    assert '~ update    Nightly Database Backup: name "Nightly Backup" -> "Nightly Database Backup"' in out
    after = monitors(stack)
    assert "Nightly Backup" not in after and after["Nightly Database Backup"]["id"] == before["id"]
    assert after["Nightly Database Backup"]["pingUrl"] == before["pingUrl"]


def test_checks_heartbeat_refuses_are_skipped_with_why_and_the_rest_imported(stack: Stack, tmp_path: Path) -> None:
    checks = recorded()
    by_name(checks, "Nightly Backup")["grace"] = 0  # a hand-edited file
    by_name(checks, "Weekday Reports")["tz"] = "Mars/Olympus_Mons"
    by_name(checks, "Queue Worker")["slug"] = "-queue"  # Healthchecks takes it, Heartbeat does not
    out = import_file(stack, saved(tmp_path, checks))
    lines = out.splitlines()
    assert "! Nightly Backup: skipped: grace: Input should be greater than or equal to 1" in lines
    assert any(
        line.startswith("! Weekday Reports: skipped: tz: unknown timezone 'Mars/Olympus_Mons'") for line in lines
    )
    assert "    note: slug '-queue' is not one Heartbeat takes: derived from the name" in lines
    made = monitors(stack)
    assert "Nightly Backup" not in made and "Weekday Reports" not in made
    assert made["Queue Worker"]["slug"] == "queue-worker"
    assert lines[-1] == "Checks: 8, 5 imported, 3 skipped."
    # Fixed on the next run, they come over; the others are unchanged
    again = import_file(stack)
    assert "Applied: 2 created, 0 updated, 5 unchanged, 0 deleted." in again.splitlines()


def test_an_import_never_deletes_monitors_it_did_not_bring(stack: Stack, tmp_path: Path) -> None:
    stack.create_monitor(name="Made By Hand", interval=600, grace=60)
    doc = tmp_path / "team.yml"
    doc.write_text('version: "1"\nmonitors:\n  - {name: From A File, config: {expectedInterval: 60}}\n')
    cli.apply_file(HandlerApi(stack), str(doc), dry_run=False, prune="none")
    out = import_file(stack)
    assert "0 deleted" in out and {"Made By Hand", "From A File"} <= set(monitors(stack))
    import_file(stack, saved(tmp_path, []))
    assert len(monitors(stack)) == 9


def test_json_output_maps_each_old_ping_url_to_its_new_one(stack: Stack) -> None:
    out = json.loads(cli.run(["import", "healthchecks", "--from-file", str(FIXTURE), "-o", "json"],
                             api=HandlerApi(stack)))  # fmt: skip
    made = monitors(stack)
    rows = {c["name"]: c for c in out["checks"]}
    assert rows["Queue Worker"]["oldPingUrl"] == by_name(recorded(), "Queue Worker")["ping_url"]
    assert rows["Queue Worker"]["newPingUrl"] == made["Queue Worker"]["pingUrl"]
    assert rows["Month Start Report"]["imported"] is False and "OnCalendar" in rows["Month Start Report"]["skipped"]
    assert out["dryRun"] is False and out["plan"][-1].startswith("Applied: 7 created")


def test_a_read_only_export_imports_to_the_same_keys(stack: Stack, tmp_path: Path) -> None:
    checks = recorded()
    import_file(stack)
    read_only = []
    for check in copy.deepcopy(checks):
        code = check["uuid"]
        for field in ("uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"):
            del check[field]
        read_only.append(check | {"unique_key": unique_key(code)})
    out = import_file(stack, saved(tmp_path, read_only))
    assert "No changes: 7 monitors unchanged." in out.splitlines()
    assert "    ping URL  (not shown to a read-only key)" in out.splitlines()


# ---- Heartbeat's own Healthchecks API as the source ----------------------------------------------------


def test_checks_read_from_the_compatibility_api_import_back_unchanged(
    stack: Stack, hc_api: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given checks made through the Healthchecks API, with every setting the import carries
    made = [
        {"name": "Backups", "tags": "prod db", "desc": "nightly dump", "timeout": 86400, "grace": 3600},
        {"name": "Reports", "schedule": "30 6 * * 1-5", "tz": "Europe/Riga", "grace": 900, "manual_resume": True},
        {"name": "Worker", "slug": "worker-1", "timeout": 300, "grace": 120, "methods": "POST",
         "success_kw": "OK", "failure_kw": "ERROR,Traceback", "heartbeat": {"failureThreshold": 3, "maxRuntime": 240}},
    ]  # fmt: skip
    for body in made:
        assert stack.request("POST", "/api/v3/checks/", body).status == 201
    before = monitors(stack)
    monkeypatch.setenv("HEALTHCHECKS_API_KEY", stack.admin_key)  # the key from the environment, not the line

    # When they are imported from that API into the same stack
    out = cli.run(["import", "healthchecks", "--url", hc_api.url + "/"], api=HandlerApi(stack))

    # Then the import adopts each monitor by name and changes nothing but its key
    assert hc_api.requests == [("/api/v3/checks/", stack.admin_key)]
    changes = [line for line in out.splitlines() if line.startswith("~ ")]
    assert len(changes) == 3 and all(line.endswith(": key null -> " + line.rsplit(" ", 1)[1]) for line in changes)
    after = monitors(stack)
    for name, monitor in before.items():
        assert {k: after[name][k] for k in ("id", "config", "tags", "description", "slug", "pingUrl")} == {
            k: monitor[k] for k in ("id", "config", "tags", "description", "slug", "pingUrl")
        }
    # Each check's ping token is the monitor's: its old ping URL and its new one ping the same monitor
    for name, monitor in after.items():
        at = out.splitlines().index(f"- {name}")
        old, new = out.splitlines()[at + 1 : at + 3]
        assert old.rsplit("/", 1)[1] == new.rsplit("/", 1)[1] == monitor["pingUrl"].rsplit("/", 1)[1]
    # And importing what it just read again changes nothing
    writes = stack.count_calls()
    again = cli.run(["import", "healthchecks", "--url", hc_api.url + "/api/v3"], api=HandlerApi(stack))
    assert "No changes: 3 monitors unchanged." in again.splitlines() and not WRITES & set(writes)
    assert stack.admin_key not in out + again


# ---- errors ------------------------------------------------------------------------------------------


@pytest.fixture
def no_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() as a user runs it; the import fails before it would reach Heartbeat."""
    monkeypatch.setenv("HEARTBEAT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HEARTBEAT_API_KEY", "hb_unused")
    monkeypatch.delenv("HEALTHCHECKS_API_KEY", raising=False)


def test_a_wrong_api_key_is_one_line_and_never_shows_the_key(
    hc_api: Source, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "W" * 32
    assert cli.main(["import", "healthchecks", "--url", hc_api.url, "--hc-api-key", wrong]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"heartbeat: Healthchecks at {hc_api.url}/api/v3/checks/: wrong api key (HTTP 401)")
    assert "HEALTHCHECKS_API_KEY" in err and len(err.strip().splitlines()) == 1
    assert wrong not in out + err and "Traceback" not in err


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((200, "text/html", b"<html>Welcome</html>"), "not JSON (line 1, column 1)"),
        ((200, "application/json", b'{"checks": {}}'), 'expected {"checks": [...]}'),
        ((404, "text/html", b"<h1>Not Found</h1>"), "no checks list here (HTTP 404)"),
        ((500, "text/plain", b"Server Error"), "Server Error (HTTP 500)"),
    ],
)
def test_an_answer_that_is_not_a_checks_list_is_one_line(
    answer: tuple[int, str, bytes], expected: str, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = Source(lambda *_: answer)
    try:
        assert cli.main(["import", "healthchecks", "--url", source.url, "--hc-api-key", "k" * 32]) == 1
    finally:
        source.close()
    err = capsys.readouterr().err
    assert err.startswith(f"heartbeat: Healthchecks at {source.url}/api/v3/checks/: {expected}")
    assert len(err.strip().splitlines()) == 1 and "k" * 32 not in err


def test_a_redirect_is_followed_within_the_same_origin_only(
    stack: Stack, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # A proxy in front of the instance moved its API to another path; the key goes along there
    def answer(method: str, path: str, key: str | None) -> tuple[int, str | dict[str, str], bytes]:
        if path.startswith("/old/"):
            return 301, {"location": moved.url + path.removeprefix("/old")}, b""
        reply = stack.request(method, path, key=key)
        return reply.status, reply.headers.get("content-type", "application/json"), reply.body

    moved = Source(answer)
    other_host = moved.url.replace("127.0.0.1", "localhost")
    elsewhere = Source(lambda _m, path, _k: (302, {"location": other_host + path}, b""))
    try:
        argv = ["import", "healthchecks", "--hc-api-key", "k" * 32, "--dry-run"]
        assert cli.main([*argv, "--url", moved.url + "/old"]) == 1
        assert "wrong api key (HTTP 401)" in capsys.readouterr().err
        assert moved.requests == [("/old/api/v3/checks/", "k" * 32), ("/api/v3/checks/", "k" * 32)]
        # Another host does not get it
        assert cli.main([*argv, "--url", elsewhere.url]) == 1
        err = capsys.readouterr().err
        assert "redirects to another origin (http://localhost:" in err and "k" * 32 not in err
        assert len(moved.requests) == 2
    finally:
        moved.close()
        elsewhere.close()


@pytest.mark.parametrize("change", ["port", "scheme"])
def test_a_redirect_to_another_port_or_scheme_of_the_same_host_does_not_get_the_key(
    change: str, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 26: the guard compared hostnames only; another port is another server, and a change of
    # scheme (https to http) shows the key to the network
    other = Source(lambda *_: (200, "application/json", b'{"checks": []}'))
    here = other.url if change == "port" else other.url.replace("http://", "https://")
    redirecting = Source(lambda _m, path, _k: (302, {"location": here + path}, b""))
    try:
        argv = ["import", "healthchecks", "--url", redirecting.url, "--hc-api-key", "k" * 32, "--dry-run"]
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert f"redirects to another origin ({here})" in err and "k" * 32 not in err
        assert other.requests == [] and len(redirecting.requests) == 1
    finally:
        other.close()
        redirecting.close()


def test_an_unreachable_host_is_one_line(no_heartbeat: None, capsys: pytest.CaptureFixture[str]) -> None:
    source = Source(lambda *_: (200, "application/json", b"{}"))
    url = source.url
    source.close()  # nothing listens there now
    assert cli.main(["import", "healthchecks", "--url", url, "--hc-api-key", "k" * 32]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"heartbeat: cannot reach Healthchecks at {url}/api/v3/checks/:") and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"checks": [', "not JSON (line 1, column 13): expected the answer of GET /api/v3/checks/"),
        (b'{"checks": ["\xff"]}', "not UTF-8 JSON"),
        ('{"checks": ["a"]}', "checks[0] is not an object"),
        ("[1]", "checks[0] is not an object"),
        ('"checks"', 'expected {"checks": [...]}'),
        # Issue 26: nesting deep enough to exhaust json's stack, and deeper than any checks answer
        ('{"checks": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests deeper than 32 levels"),
        ('{"checks": [{"heartbeat": ' + '{"a": ' * 30 + "1" + "}" * 30 + "}]}", "nests deeper than 32 levels"),
    ],
)
def test_a_malformed_file_is_one_line(
    content: str | bytes, expected: str, tmp_path: Path, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "checks.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert cli.main(["import", "healthchecks", "--from-file", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"heartbeat: {path}: {expected}") and len(err.splitlines()) == 1


def test_a_missing_file_is_one_line(tmp_path: Path, no_heartbeat: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "healthchecks", "--from-file", str(tmp_path / "none.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        ([], 2, "give one of --url or --from-file"),
        (["--url", "https://healthchecks.io", "--from-file", "x.json"], 2, "give one of --url or --from-file"),
        (
            ["--url", "https://hc.example.com"],
            2,
            "no Healthchecks API key: set $HEALTHCHECKS_API_KEY or pass --hc-api-key",
        ),
        # Their key given as --api-key (Heartbeat's own key everywhere) is not taken for theirs
        (["--url", "https://hc.example.com", "--api-key", "theirs"], 2, "(--api-key is Heartbeat's own key)"),
        (["--url", "ftp://hc.example.com", "--hc-api-key", "k"], 1, "give Healthchecks' address"),
    ],
)
def test_a_wrong_command_line_says_what_to_give(
    argv: list[str], status: int, expected: str, no_heartbeat: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", "healthchecks", *argv]) == status
    assert expected in capsys.readouterr().err


def test_names_with_escapes_and_newlines_cannot_forge_report_lines(stack: Stack, tmp_path: Path) -> None:
    # Issue 26: a check's name went to the terminal raw: an escape sequence (here, clear the screen)
    # or a newline followed by a line of the report's own shape
    check = copy.deepcopy(recorded()[0])
    check["name"] = "Evil\x1b[2J\n- Forged\n    ping URL  https://attacker.example/\u202e"
    out = import_file(stack, saved(tmp_path, [check]), "--dry-run")
    assert "\x1b" not in out and "\u202e" not in out
    assert [line for line in out.splitlines() if line.startswith("- ")] == [
        "- Evil\\x1b[2J\\n- Forged\\n    ping URL  https://attacker.example/\\u202e"
    ]
    assert "+ create    Evil\\x1b[2J\\n- Forged" in out  # apply's plan line too
