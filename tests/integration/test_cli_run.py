"""Issue 31 (1): `heartbeat run -- <job>` around real commands, as a process of its own, pinging the
stack's real handlers served over local HTTP. What the stack recorded is checked: the start and the
finish paired by their run id, the run's duration, the output's tail as the body; and that the job
always runs and its exit status comes back, even with the deployment down."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Stack

PYTHON = sys.executable


class Served:
    """The stack behind a real HTTP server on an ephemeral port of 127.0.0.1. The stack's clock
    follows the real one, so a run's duration is the time it took."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self.lock = stack, threading.Lock()
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with served.lock:  # one request at a time, as moto likes it
                    served.stack.clock.now = time.time_ns() // 1_000_000
                    reply = served.stack.request(self.command, self.path, body, headers, key=None, edit=served.here)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_POST = do_HEAD = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def here(self, event: dict[str, Any]) -> None:
        """URLs in answers (a monitor's pingUrl) point at this server."""
        event["requestContext"]["domainName"] = self.url.removeprefix("http://")
        event["headers"]["x-forwarded-proto"] = "http"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def served(stack: Stack) -> Iterator[Served]:
    server = Served(stack)
    yield server
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrapper(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`heartbeat run ARGS` as cron would start it: stdin not a terminal, its own output captured."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTBEAT_")}
    return subprocess.Popen(
        [PYTHON, "-m", "heartbeat_cli", "run", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**clean, **(env or {})},
    )  # fmt: skip


def heartbeat_run(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """Its exit status, stdout and stderr."""
    process = wrapper(*args, env=env)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err.decode()


def job(code: str) -> list[str]:
    return ["--", PYTHON, "-c", code]


def pings(stack: Stack, monitor_id: str) -> list[dict[str, Any]]:
    """Oldest first."""
    return list(reversed(stack.request("GET", f"/api/v1/monitors/{monitor_id}/pings").json()["items"]))


def body(stack: Stack, monitor_id: str, n: int) -> bytes:
    return stack.request("GET", f"/api/v1/monitors/{monitor_id}/pings/{n}/body").body


def run_of(stack: Stack, monitor_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The one run recorded: its start and its finish, paired by their run id."""
    start, finish = pings(stack, monitor_id)
    assert start["kind"] == "start" and start["rid"] and finish["rid"] == start["rid"]
    return start, finish


def test_a_successful_job_is_reported_with_its_duration_and_output(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Nightly Backup")
    code = "import sys, time; print('dumping', flush=True); time.sleep(0.2); sys.stderr.write('42 tables\\n')\n"
    code += "time.sleep(0.2); print('done')"
    process = wrapper("--url", f"{served.url}/api/v1/heartbeat/{m['token']}", *job(code))
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out == b"dumping\ndone\n" and err == b"42 tables\n"  # passed through unchanged, nothing added
    start, finish = run_of(stack, m["id"])
    assert (finish["kind"], finish["exitStatus"]) == ("success", 0)
    assert 0.4 <= finish["durationSeconds"] < 5
    assert body(stack, m["id"], finish["n"]) == b"dumping\n42 tables\ndone\n"  # both streams, as they came
    assert start["bodySize"] == 0 and start["userAgent"] == "heartbeat-run"
    shown = stack.monitor(m["id"])
    assert shown["status"] == "up" and shown["lastDurationSeconds"] == finish["durationSeconds"]


def test_a_failing_job_reports_its_exit_status_and_returns_it(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Reports")
    code = "import sys, time; print('connecting', flush=True); time.sleep(0.2)\n"
    code += "sys.stderr.write('disk full\\n'); sys.exit(3)"
    process = wrapper("--url", f"{served.url}/ping/{m['token']}", *job(code))  # Healthchecks' form
    out, err = process.communicate(timeout=30)
    assert process.returncode == 3 and out == b"connecting\n" and err == b"disk full\n"
    _, finish = run_of(stack, m["id"])
    assert (finish["kind"], finish["exitStatus"], finish["cause"]) == ("fail", 3, "exit_status")
    assert body(stack, m["id"], finish["n"]) == b"connecting\ndisk full\n"
    assert stack.monitor(m["id"])["status"] == "down"
    assert [i["cause"] for i in stack.incidents(m["id"])] == ["exit_status"]


def alive_in_group(pgid: int) -> list[int]:
    """The processes of a process group still running (a zombie a container's PID 1 never reaps is not)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # gone while we looked
        if int(group) == pgid and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_kill_of_the_wrapper_stops_the_job_and_its_children_and_is_reported(
    stack: Stack, served: Served, signum: signal.Signals
) -> None:
    m = stack.create_monitor("Long Job")
    # A shell script whose own child does the work: the signal must reach that child too.
    script = "echo $$; sleep 30; echo never"
    process = wrapper("--url", f"{served.url}/api/v1/heartbeat/{m['token']}", "--", "sh", "-c", script)
    assert process.stdout is not None
    shell = int(process.stdout.readline())  # the job leads a process group of its own
    deadline = time.monotonic() + 5
    while len(alive_in_group(shell)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the sleep has started
    process.send_signal(signum)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 128 + signum and out == b""
    while alive_in_group(shell) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert alive_in_group(shell) == []
    _, finish = run_of(stack, m["id"])
    assert (finish["kind"], finish["exitStatus"]) == ("fail", 128 + signum)
    assert body(stack, m["id"], finish["n"]).decode().splitlines() == [
        f"{shell}",
        f"[heartbeat run] heartbeat run received {signum.name}: passed it on to the job",
        f"[heartbeat run] the job was ended by {signum.name}",
    ]


# The wrapper's part that takes signals (heartbeat_cli.job), running a job again and again in one process
# (a wrapper each would take seconds to start): each run's status on a line, and "lost" for a signal
# that reached the wrapper without reaching the job (heartbeat run's own default would end the wrapper
# and leave the job running unwatched).
RUNS_JOBS = """
import signal, sys
from heartbeat_cli.job import Job
signal.signal(signal.SIGINT, lambda *_: print("lost", flush=True))
for _ in range(int(sys.argv[1])):
    print(Job(["sleep", "30"]).run().status, flush=True)
"""


def child_of(pid: int) -> int | None:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else None


def test_a_signal_sent_the_moment_the_job_is_spawned_reaches_it() -> None:
    """A signal that arrives while the job is being started (after the fork, before the wrapper's
    handlers would otherwise be installed) is passed on as soon as the job exists: sent here the
    moment the wrapper has a child, 20 times."""
    runs = 20
    wrapper = subprocess.Popen(
        [PYTHON, "-c", RUNS_JOBS, str(runs)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )  # stdin not a terminal: each job leads a process group of its own
    assert wrapper.stdout is not None
    lost = 0
    try:
        for _ in range(runs):
            deadline = time.monotonic() + 10
            while (job := child_of(wrapper.pid)) is None and time.monotonic() < deadline:
                pass  # no sleep: the signal must come while the job is being spawned
            assert job is not None, "no job started"
            os.kill(wrapper.pid, signal.SIGINT)
            line = wrapper.stdout.readline().strip()
            if line == "lost":
                lost += 1
                os.killpg(job, signal.SIGKILL)  # the job the signal never reached
                line = wrapper.stdout.readline().strip()
            assert line in ("130", "137"), line
    finally:
        wrapper.kill()
        wrapper.wait()
    assert lost == 0, f"{lost} of {runs} signals never reached the job"


def test_a_job_killed_by_a_signal_reads_as_a_shell_reads_it(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Runaway")
    status, _, _ = heartbeat_run("--url", f"{served.url}/api/v1/heartbeat/{m['token']}", "--", "sh", "-c", "kill -9 $$")
    assert status == 137
    _, finish = run_of(stack, m["id"])
    assert finish["exitStatus"] == 137
    assert body(stack, m["id"], finish["n"]) == b"[heartbeat run] the job was ended by SIGKILL\n"


def test_a_job_past_its_timeout_is_stopped_and_reported(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Stuck")
    url = f"{served.url}/api/v1/heartbeat/{m['token']}"
    started = time.monotonic()
    status, _, _ = heartbeat_run("--url", url, "--timeout", "0.5", *job("import time; time.sleep(30)"))
    assert status == 143 and time.monotonic() - started < 10
    _, finish = run_of(stack, m["id"])
    assert body(stack, m["id"], finish["n"]).decode().splitlines() == [
        "[heartbeat run] timed out after 0.5 s: sent SIGTERM",
        "[heartbeat run] the job was ended by SIGTERM",
    ]


def test_a_megabyte_of_output_passes_through_whole_and_its_tail_is_the_body(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Chatty")
    code = "import sys\nfor i in range(50_000): sys.stdout.write(f'line {i:08d} of output\\n')"
    status, out, _ = heartbeat_run("--url", f"{served.url}/api/v1/heartbeat/{m['token']}", *job(code))
    expected = b"".join(f"line {i:08d} of output\n".encode() for i in range(50_000))
    assert status == 0 and len(expected) == 1_200_000 and out == expected
    _, finish = run_of(stack, m["id"])
    assert (finish["bodySize"], finish["bodyTruncated"]) == (100_000, False)  # the body limit, not past it
    assert body(stack, m["id"], finish["n"]) == expected[-100_000:]


def test_with_the_deployment_down_the_job_still_runs_and_its_status_comes_back(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    url = f"http://127.0.0.1:{closed_port()}/ping/0b6ff0e6-2b2c-4a8e-9d3c-51c0c9d0a6b1"
    started = time.monotonic()
    code = f"import pathlib, sys; pathlib.Path({str(ran)!r}).write_text('yes'); print('working'); sys.exit(3)"
    status, out, err = heartbeat_run("--url", url, "--ping-timeout", "1", *job(code))
    assert status == 3 and out == b"working\n" and ran.read_text() == "yes"
    assert time.monotonic() - started < 6  # bounded: two pings of at most about a second each
    lines = err.splitlines()
    assert lines[0].startswith(f"heartbeat run: could not report the start to {url[:22]}") and "refused" in lines[0]
    assert lines[1].startswith("heartbeat run: could not report the finish (exit status 3) to http://127.0.0.1:")
    assert "0b6ff0e6" not in err  # the token is a secret: never in cron's mail


def test_a_wrong_ping_url_is_said_once_and_the_job_runs(stack: Stack, served: Served) -> None:
    status, out, err = heartbeat_run(
        "--url", f"{served.url}/ping/0b6ff0e6-2b2c-4a8e-9d3c-51c0c9d0a6b1", *job("print('ok')")
    )
    assert status == 0 and out == b"ok\n"
    assert err == f"heartbeat run: {served.url} refused the start: HTTP 404 not_found: not found\n"


def test_a_monitor_named_by_slug_is_found_through_the_api(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Nightly Backup", slug="backup")
    env = {"HEARTBEAT_API_URL": served.url, "HEARTBEAT_API_KEY": stack.admin_key}
    env["HEARTBEAT_PING_URL"] = f"http://127.0.0.1:{closed_port()}/ping/x"  # exported for other jobs: --monitor wins
    for ref in ("backup", "Nightly Backup", m["id"]):
        status, out, err = heartbeat_run("--monitor", ref, *job("print('ok')"), env=env)
        assert (status, out, err) == (0, b"ok\n", "")
    assert [p["kind"] for p in pings(stack, m["id"])] == ["start", "success"] * 3


def test_create_through_the_api_takes_the_schedule_from_flags(stack: Stack, served: Served) -> None:
    env = {"HEARTBEAT_API_URL": served.url, "HEARTBEAT_API_KEY": stack.admin_key, "HEARTBEAT_MONITOR": "reports"}
    flags = ["--create", "--schedule", "30 6 * * 1-5", "--timezone", "Europe/Riga", "--grace-period", "900"]
    assert heartbeat_run(*flags, *job("print('ok')"), env=env) == (0, b"ok\n", "")
    made = stack.request("GET", "/api/v1/monitors?slug=reports").json()["items"]
    assert [(m["name"], m["config"]["schedule"], m["config"]["gracePeriod"], m["status"]) for m in made] == [
        ("reports", "30 6 * * 1-5", 900, "up")
    ]
    assert heartbeat_run(*flags, *job("print('ok')"), env=env)[0] == 0  # found the second time, not made again
    assert len(stack.request("GET", "/api/v1/monitors?name=reports").json()["items"]) == 1


def test_the_environment_form_with_a_slug_url_creates_the_monitor(stack: Stack, served: Served) -> None:
    key = stack.request("GET", "/api/v1/ping-key").json()["pingKey"]
    env = {"HEARTBEAT_PING_URL": f"{served.url}/ping/{key}/db-vacuum"}
    assert heartbeat_run("--create", *job("print('vacuumed')"), env=env) == (0, b"vacuumed\n", "")
    [made] = stack.request("GET", "/api/v1/monitors?slug=db-vacuum").json()["items"]
    _, finish = run_of(stack, made["id"])
    assert finish["kind"] == "success" and finish["bodyPreview"] == "vacuumed\n"


def test_with_no_ping_url_the_job_runs_and_says_it_is_unmonitored() -> None:
    status, out, err = heartbeat_run(*job("import sys; print('ok'); sys.exit(5)"))
    assert (status, out) == (5, b"ok\n")
    assert "no ping URL" in err and "unmonitored" in err


def test_a_command_that_cannot_run_is_127_as_in_a_shell(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Typo")
    status, _, err = heartbeat_run("--url", f"{served.url}/api/v1/heartbeat/{m['token']}", "--", "no-such-job")
    assert status == 127 and "no-such-job: No such file or directory" in err
    _, finish = run_of(stack, m["id"])
    assert finish["exitStatus"] == 127


def test_json_output_flag_before_the_command_is_not_the_jobs(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Args")
    url = f"{served.url}/api/v1/heartbeat/{m['token']}"
    code = "import json, sys; print(json.dumps(sys.argv[1:]))"
    status, out, _ = heartbeat_run("--url", url, "--", PYTHON, "-c", code, "-o", "json", "--url", "x")
    assert status == 0 and json.loads(out) == ["-o", "json", "--url", "x"]  # after --, all the job's


@pytest.mark.parametrize("url", ["example.com/ping/0b6ff0e6", "http://[::1/ping", "http://host:port/ping"])
def test_a_ping_url_that_is_no_url_is_said_and_the_job_status_comes_back(url: str) -> None:
    status, out, err = heartbeat_run("--url", url, *job("import sys; print('ok'); sys.exit(4)"))
    assert (status, out) == (4, b"ok\n"), err
    assert "Traceback" not in err and ("not a URL" in err or "Invalid IPv6 URL" in err), err


def test_both_addresses_exported_for_other_jobs_still_run_the_job(stack: Stack, served: Served) -> None:
    m = stack.create_monitor("Both")
    env = {"HEARTBEAT_PING_URL": f"{served.url}/api/v1/heartbeat/{m['token']}", "HEARTBEAT_MONITOR": "other"}
    status, out, err = heartbeat_run(*job("print('ok')"), env=env)
    assert (status, out) == (0, b"ok\n") and "both set" in err
    assert [p["kind"] for p in pings(stack, m["id"])] == ["start", "success"]
