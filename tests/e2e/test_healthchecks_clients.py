"""Healthchecks' own tools against the local stack over real HTTP (issue 15): the PyPI clients
`healthchecks-io` and `healthchecks-decorator`, run in their own venv (.venv-clients, from
requirements/clients.lock: `make clients`, which `make e2e` runs), and the requests of the tools
that cannot be installed here (runitor, the Terraform provider, a Kubernetes operator), replayed
as their source sends them (method, path, headers, body; see each test)."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from heartbeat_local.localproc import LocalStackProcess, Webhook
from heartbeat_local.template import ROOT
from tests.e2e.conftest import wait_for

CLIENTS_VENV = ROOT / ".venv-clients"
CLIENTS_LOCK = ROOT / "requirements" / "clients.lock"
SCRIPTS = Path(__file__).with_name("clients")
HC_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")  # Healthchecks' dates: seconds, +00:00


@pytest.fixture(scope="session")
def clients_python() -> Path:
    """The Python of .venv-clients, which `make clients` (and so `make e2e`) builds from the lock."""
    marker = CLIENTS_VENV / ".installed"
    if not marker.exists() or marker.stat().st_mtime < CLIENTS_LOCK.stat().st_mtime:
        pytest.fail(
            f"{CLIENTS_VENV.name} is missing or older than {CLIENTS_LOCK.relative_to(ROOT)}: "
            "run `make clients` (make e2e and make test do it) to install Healthchecks' Python clients"
        )
    return CLIENTS_VENV / "bin" / "python"


def run_client(python: Path, script: str, *args: str) -> Any:
    """One of the scripts in clients/, run by the clients' venv; the JSON it prints."""
    done = subprocess.run(
        [str(python), str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=120, cwd=SCRIPTS
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def send(method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> Reply:
    """One HTTP request exactly as given (urllib adds Host, Content-Length and Connection only)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def hc_api(stack: LocalStackProcess, method: str, path: str, body: dict[str, Any] | None = None) -> Reply:
    """A plain request to the Healthchecks API, with the admin key."""
    headers = {"X-Api-Key": stack.admin_key, "Content-Type": "application/json"}
    return send(method, f"{stack.url}/api/{path}", headers, None if body is None else json.dumps(body).encode())


def monitor_of(stack: LocalStackProcess, check_uuid: str) -> dict[str, Any]:
    """Heartbeat's own view of a check (its uuid is the monitor's ping token)."""
    [m] = [m for m in stack.cli("monitors", "list")["items"] if m["pingUrl"].endswith(f"/{check_uuid}")]
    return m


def down_alerts(webhook: Webhook, name: str) -> list[dict[str, Any]]:
    return [e for e in webhook.events() if e["event"] == "monitor.down" and e["monitor"]["name"] == name]


# ---- healthchecks-io (PyPI), the sync Client --------------------------------------------------------


@pytest.mark.parametrize("version", [None, 3], ids=["default-v1", "v3"])
def test_healthchecks_io_client_manages_and_pings_a_check(
    stack: LocalStackProcess, webhook: Webhook, clients_python: Path, version: int | None
) -> None:
    v = version or 1
    name = f"Py Backup v{v}"
    args = {"base": stack.url, "key": stack.admin_key, "version": version}
    # Given the client's upsert, listing, reads and pings, up to a failure
    run = run_client(
        clients_python,
        "healthchecks_io_client.py",
        json.dumps(args | {"phase": "lifecycle", "name": name, "tag": f"v{v}"}),
    )
    first, again = run["first"], run["again"]
    check_uuid = first["uuid"]
    # The client spoke to the version asked for, with its own user agent, and every answer was a success
    assert {e["path"].split("/")[2] for e in run["exchanges"] if e["path"].startswith("/api/")} == {f"v{v}"}
    assert {e["user_agent"] for e in run["exchanges"]} == {"py-healthchecks.io/0.4.4"}
    assert {e["status"] for e in run["exchanges"]} == {200, 201}
    creates = [e["status"] for e in run["exchanges"] if (e["method"], e["path"]) == ("POST", f"/api/v{v}/checks/")]
    assert creates == [201, 200, 201]  # created, matched by `unique: ["name"]`, the other check created
    # The upsert found the same check and updated it
    assert again["uuid"] == check_uuid and (first["grace"], again["grace"]) == (120, 300)
    assert first["ping_url"] == f"{stack.url}/ping/{check_uuid}"
    assert first["update_url"] == f"{stack.url}/api/v{v}/checks/{check_uuid}"
    assert (first["slug"], first["tags"], first["timeout"], first["status"]) == (
        f"py-backup-v{v}",
        f"e2e v{v}",
        3600,
        "new",
    )
    # Tags filter as Healthchecks' do: every tag given, whole words
    assert run["by_both_tags"] == [name]
    assert run["by_shared_tag"] == sorted([name, f"{name} elsewhere"])
    assert run["by_unknown_tag"] == []
    assert run["got"]["uuid"] == check_uuid and run["got"]["grace"] == 300
    # Pings through the client's ping_url: a run in progress (v1 says `started`; v2+ keep the old status)
    assert run["start"] == run["success"] == run["fail"] == [True, "OK"]
    assert run["status_after_start"] == ("started" if v == 1 else "new")
    assert (run["status_after_success"], run["n_pings_after_success"]) == ("up", 2)
    pings = run["pings"]
    assert [(p["type"], p["number_of_pings"], p["method"]) for p in pings] == [
        ("success", 2, "POST"),
        ("start", 1, "POST"),
    ]
    assert {(p["remote_addr"], p["user_agent"]) for p in pings} == {("127.0.0.1", "py-healthchecks.io/0.4.4")}
    assert pings[0]["duration"] is not None and pings[0]["duration"] >= 0  # the run's length, from its start
    # A failure report takes it down at once, with an alert
    assert run["status_after_fail"] == "down"
    [alert] = wait_for(lambda: down_alerts(webhook, name))
    assert alert["incident"]["cause"] == "failed"
    # get_check_flips() reads a bare list, where Healthchecks (and Heartbeat) answer {"flips": [...]}:
    # that client method fails against the real server too, so flips are read here with a plain request.
    flips = hc_api(stack, "GET", f"v{v}/checks/{check_uuid}/flips/")
    assert flips.status == 200
    [flip] = flips.json()["flips"]
    assert flip["up"] == 0 and HC_DATE.match(flip["timestamp"])

    # When the client pauses and deletes it, it is gone
    done = run_client(
        clients_python, "healthchecks_io_client.py", json.dumps(args | {"phase": "retire", "uuid": check_uuid})
    )
    assert done["paused"] == "paused"
    assert done["deleted"]["uuid"] == check_uuid and done["deleted"]["name"] == name
    assert done["after_delete"] == "not found"
    assert done["left"] == [run["other"]["uuid"]]
    assert [e["status"] for e in done["exchanges"]] == [200, 200, 404, 200]
    assert send("GET", first["ping_url"]).status == 404  # its ping URL stopped working


# ---- healthchecks-decorator (PyPI) -------------------------------------------------------------------


def test_healthchecks_decorator_reports_start_success_then_failure(
    stack: LocalStackProcess, webhook: Webhook, clients_python: Path
) -> None:
    created = hc_api(stack, "POST", "v3/checks/", {"name": "Decorated Job", "timeout": 3600, "grace": 60})
    assert created.status == 201
    check = created.json()

    def pings() -> list[tuple[str, str]]:
        reply = hc_api(stack, "GET", f"v3/checks/{check['uuid']}/pings/")
        return [(p["type"], p["method"]) for p in reply.json()["pings"]]

    def status() -> str:
        return str(hc_api(stack, "GET", f"v3/checks/{check['uuid']}").json()["status"])

    # When the decorated job succeeds: /start, then the ping URL itself (GETs, as urllib sends them)
    assert run_client(clients_python, "healthchecks_decorator_job.py", check["ping_url"], "succeed") == {"returned": 42}
    assert pings() == [("success", "GET"), ("start", "GET")]
    assert status() == "up"
    # When it raises: /start, then /fail, and the exception still reaches the caller
    outcome = run_client(clients_python, "healthchecks_decorator_job.py", check["ping_url"], "fail")
    assert outcome == {"raised": "RuntimeError: the backup volume is full"}
    assert pings() == [("fail", "GET"), ("start", "GET"), ("success", "GET"), ("start", "GET")]
    assert status() == "down"
    [alert] = wait_for(lambda: down_alerts(webhook, "Decorated Job"))
    assert alert["incident"]["cause"] == "failed"
    assert monitor_of(stack, check["uuid"])["status"] == "down"


# ---- runitor (bdd/runitor v1.4.1), replayed ---------------------------------------------------------

RUNITOR_HEADERS = {
    "Content-Type": "text/plain",
    "User-Agent": "runitor/v1.4.1 (linux-amd64; +https://bdd.fi/x/runitor)",
}


def runitor_ping(handle_url: str, kind: str, query: dict[str, str], body: bytes = b"") -> Reply:
    """runitor's ping: always POST text/plain, `url.JoinPath(base, handle, kind)`, the query sorted."""
    path = f"{handle_url}/{kind}" if kind else handle_url
    reply = send("POST", f"{path}?{'&'.join(f'{k}={v}' for k, v in sorted(query.items()))}", RUNITOR_HEADERS, body)
    assert reply.status in (200, 201), (reply.status, reply.body)  # the only answers runitor takes as done
    return reply


def body_limit(start: Reply) -> int:
    """runitor reads Ping-Body-Limit from the start ping's answer; its own ceiling is 10,000,000."""
    return min(int(start.headers["ping-body-limit"]), 10_000_000)


def test_runitor_runs_by_uuid_and_by_slug(stack: LocalStackProcess, webhook: Webhook) -> None:
    check = hc_api(stack, "POST", "v3/checks/", {"name": "Runitor Job", "timeout": 3600, "grace": 60}).json()
    handle = f"{stack.url}/ping/{check['uuid']}"  # -api-url {base}/ping -uuid <uuid>

    def newest_pings() -> list[dict[str, Any]]:
        return list(hc_api(stack, "GET", f"v3/checks/{check['uuid']}/pings/").json()["pings"])

    def stored_body(ping: dict[str, Any]) -> bytes:
        reply = send("GET", ping["body_url"], {"X-Api-Key": stack.admin_key})
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
        return reply.body

    # A run that succeeds: start (no body), then success with the command's output
    rid = str(uuid.uuid4())
    start = runitor_ping(handle, "start", {"rid": rid})
    assert start.status == 200
    limit = body_limit(start)
    assert limit == 100_000  # Heartbeat's default limit, announced as runitor expects it
    output = b"dumping db...\n" + b"row\n" * 40_000  # 160 kB of output: runitor keeps the last `limit` bytes
    sent = output[-limit:]
    assert runitor_ping(handle, "", {"rid": rid}, sent).status == 200
    success, started = newest_pings()[:2]
    assert (success["type"], success["rid"], started["type"], started["rid"]) == ("success", rid, "start", rid)
    assert success["ua"] == RUNITOR_HEADERS["User-Agent"] and success["method"] == "POST"
    assert success["duration"] >= 0 and started["body_url"] is None  # paired by rid; the start had no body
    assert stored_body(success) == sent  # within the limit: kept byte for byte
    assert hc_api(stack, "GET", f"v3/checks/{check['uuid']}").json()["status"] == "up"

    # A run whose command exits 3: POST .../3, and the check is down with an alert naming the exit status
    rid = str(uuid.uuid4())
    runitor_ping(handle, "start", {"rid": rid})
    runitor_ping(handle, "3", {"rid": rid}, b"error: disk full\n")
    failed = newest_pings()[0]
    assert (failed["type"], failed["rid"]) == ("fail", rid)
    assert hc_api(stack, "GET", f"v3/checks/{check['uuid']}").json()["status"] == "down"
    [alert] = wait_for(lambda: down_alerts(webhook, "Runitor Job"))
    assert alert["incident"]["cause"] == "exit_status"
    # -on-nonzero-exit log: kept, changes nothing
    runitor_ping(handle, "log", {"rid": rid}, b"retrying later\n")
    logged = newest_pings()[0]
    assert logged["type"] == "log" and stored_body(logged) == b"retrying later\n"
    assert hc_api(stack, "GET", f"v3/checks/{check['uuid']}").json()["status"] == "down"

    # A tool that ignored the limit: the stored body is cut to it (and the ping still counts)
    rid = str(uuid.uuid4())
    runitor_ping(handle, "start", {"rid": rid})
    runitor_ping(handle, "", {"rid": rid}, b"a" * limit + b"past the limit")
    assert stored_body(newest_pings()[0]) == b"a" * limit
    assert hc_api(stack, "GET", f"v3/checks/{check['uuid']}").json()["status"] == "up"

    # By slug with the ping key and -create: the first ping of the run creates the check (201)
    ping_key = stack.cli("ping-key", "show")["pingKey"]
    by_slug = f"{stack.url}/ping/{ping_key}/runitor-nightly"
    rid = str(uuid.uuid4())
    start = runitor_ping(by_slug, "start", {"create": "1", "rid": rid})
    assert start.status == 201 and body_limit(start) == limit
    assert runitor_ping(by_slug, "", {"create": "1", "rid": rid}, b"done\n").status == 200
    [created] = hc_api(stack, "GET", "v3/checks/?slug=runitor-nightly").json()["checks"]
    assert (created["status"], created["n_pings"]) == ("up", 2)


# ---- the Terraform provider (kristofferahl/healthchecksio 2.3.0, go-healthchecksio 2.1.0), replayed --


@pytest.mark.parametrize("version", [1, 3])
def test_terraform_provider_create_read_update_pause_delete(stack: LocalStackProcess, version: int) -> None:
    base = f"{stack.url}/api/v{version}"  # api_url, used verbatim: BaseURL + path
    headers = {"Content-Type": "application/json", "X-Api-Key": stack.admin_key, "User-Agent": "Go-http-client/1.1"}

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Reply:
        return send(method, base + path, headers, None if body is None else json.dumps(body).encode())

    def read(resource_id: str) -> dict[str, Any] | None:
        """The provider's Read: the whole list, then the check whose update_url ends in the id."""
        listing = call("GET", "/checks/")
        assert listing.status == 200
        found = [c for c in listing.json()["checks"] if c["update_url"].rsplit("/", 1)[-1] == resource_id]
        assert len(found) <= 1
        return found[0] if found else None

    # The Healthcheck struct as go-healthchecksio marshals it: channels and methods always, slug from
    # the name, tags space-joined, never `unique`
    body = {
        "channels": "",
        "desc": "Managed by Terraform",
        "grace": 300,
        "methods": "",
        "name": "Nightly Backup (db-1)",
        "slug": "nightly-backup-db-1",
        "tags": "terraform prod",
        "timeout": 3600,
    }
    created = call("POST", "/checks/", body)
    assert created.status == 201
    resource_id = created.json()["update_url"].rsplit("/", 1)[-1]
    assert resource_id == created.json()["uuid"]
    state = read(resource_id)
    assert state is not None
    assert (state["name"], state["slug"], state["tags"].split(" "), state["desc"], state["methods"]) == (
        "Nightly Backup (db-1)",
        "nightly-backup-db-1",
        ["terraform", "prod"],
        "Managed by Terraform",
        "",
    )
    assert state["ping_url"] == f"{stack.url}/ping/{resource_id}"
    assert state["pause_url"] == f"{base}/checks/{resource_id}/pause"
    # Go unmarshals these into int: a float (60.0) would fail the provider
    assert all(type(state[k]) is int for k in ("timeout", "grace", "n_pings"))
    assert (state["timeout"], state["grace"], state["n_pings"]) == (3600, 300, 0)

    # Update: the full body again, with the changes
    changed = body | {"grace": 600, "timeout": 7200, "tags": "terraform prod critical", "desc": "db-1 nightly"}
    changed |= {"name": "Nightly Backup (db-1, primary)"}  # a rename; the slug, always sent, stays
    updated = call("POST", f"/checks/{resource_id}", changed)
    assert updated.status == 200 and updated.json()["uuid"] == resource_id
    state = read(resource_id)
    assert state is not None
    assert (state["name"], state["slug"], state["grace"], state["timeout"], state["desc"]) == (
        "Nightly Backup (db-1, primary)",
        "nightly-backup-db-1",
        600,
        7200,
        "db-1 nightly",
    )
    assert state["tags"].split(" ") == ["terraform", "prod", "critical"]
    # A schedule given beside a timeout: the schedule wins, as on Healthchecks
    scheduled = call("POST", f"/checks/{resource_id}", changed | {"schedule": "0 2 * * *", "tz": "Europe/Riga"})
    assert scheduled.status == 200
    state = read(resource_id)
    assert state is not None
    assert (state["schedule"], state["tz"], "timeout" in state) == ("0 2 * * *", "Europe/Riga", False)

    # Pause (the client's Pause: no body)
    paused = call("POST", f"/checks/{resource_id}/pause")
    assert paused.status == 200 and paused.json()["status"] == "paused"
    # The channel data source: ids, kinds and names as strings; a check's channels are among them
    channels = call("GET", "/channels/")
    assert channels.status == 200
    listed = channels.json()["channels"]
    assert listed and all(isinstance(c[k], str) and c[k] for c in listed for k in ("id", "kind", "name"))
    assert set(filter(None, state["channels"].split(","))) <= {c["id"] for c in listed}

    # Delete: 200 with the check, then Read finds nothing (the resource leaves the state)
    deleted = call("DELETE", f"/checks/{resource_id}")
    assert deleted.status == 200 and deleted.json()["update_url"].rsplit("/", 1)[-1] == resource_id
    assert read(resource_id) is None
    assert call("GET", f"/checks/{resource_id}").status == 404


# ---- a Kubernetes operator (chrisguidry/healthchecks-operator), replayed --------------------------------


def test_kubernetes_operator_upserts_by_slug_pings_and_deletes(stack: LocalStackProcess) -> None:
    # Keep-alives off, as the operator runs; Content-Type only with a body
    key_only = {"X-Api-Key": stack.admin_key, "Connection": "close"}
    with_body = key_only | {"Content-Type": "application/json"}

    def upsert(body: dict[str, Any]) -> Reply:
        return send("POST", f"{stack.url}/api/v3/checks/", with_body, json.dumps(body).encode())

    def find_by_slug(slug: str) -> list[dict[str, Any]]:
        reply = send("GET", f"{stack.url}/api/v3/checks/?slug={slug}", key_only)
        assert reply.status == 200
        return list(reply.json()["checks"])

    spec = {
        "name": "nightly-backup",
        "slug": "default-nightly-backup",
        "desc": "CronJob default/nightly-backup",
        "tags": "k8s default",
        "channels": "",
        "grace": 300,
        "unique": ["slug"],
        "timeout": 3600,
    }
    # The first reconcile creates the check, the next ones find it by slug and update it
    first = upsert(spec)
    assert first.status == 201
    check = first.json()
    assert (check["slug"], check["ping_url"]) == ("default-nightly-backup", f"{stack.url}/ping/{check['uuid']}")
    again = upsert(spec | {"grace": 600})
    assert again.status == 200 and again.json()["uuid"] == check["uuid"] and again.json()["grace"] == 600
    cron = {k: v for k, v in spec.items() if k != "timeout"} | {"schedule": "15 2 * * *", "tz": "Europe/Riga"}
    rescheduled = upsert(cron)
    assert rescheduled.status == 200 and rescheduled.json()["uuid"] == check["uuid"]
    assert (rescheduled.json()["schedule"], rescheduled.json()["tz"]) == ("15 2 * * *", "Europe/Riga")
    # Another slug is another check
    other = upsert(spec | {"slug": "default-hourly-report", "name": "hourly-report"})
    assert other.status == 201 and other.json()["uuid"] != check["uuid"]
    # FindBySlug reads the first match
    [found] = find_by_slug("default-nightly-backup")
    assert (found["uuid"], found["ping_url"], found["slug"]) == (check["uuid"], check["ping_url"], check["slug"])
    assert find_by_slug("default-no-such-job") == []

    # Its ping: POST text/plain to the ping_url it read, and nothing but 200 will do
    ping = send("POST", check["ping_url"], {"Content-Type": "text/plain"}, b"job finished")
    assert ping.status == 200
    assert send("GET", check["update_url"], key_only).json()["status"] == "up"

    # The finalizer deletes; a second delete's 404 counts as done for the operator
    assert send("DELETE", f"{stack.url}/api/v3/checks/{check['uuid']}", key_only).status == 200
    gone = send("DELETE", f"{stack.url}/api/v3/checks/{check['uuid']}", key_only)
    assert gone.status == 404 and gone.json() == {"error": "not found"}
    assert find_by_slug("default-nightly-backup") == []
    assert send("POST", check["ping_url"], {"Content-Type": "text/plain"}, b"late").status == 404
