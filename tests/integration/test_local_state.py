"""The local stack's saved state: what it reads from moto's memory is exactly what a Scan returns,
and a save then a load gives back the same table."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from heartbeat_local.localproc import CLI, LocalStackProcess
from heartbeat_local.localstate import (
    StateDir,
    letters_json,
    load_table,
    queue_letters,
    read_letters,
    save_table,
    send_letters,
    table_items,
    write_private,
)
from heartbeat_local.template import ROOT
from tests.harness import Stack


def by_key(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def scan(stack: Stack) -> list[dict[str, Any]]:
    pages = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.refs["Table"])
    return by_key([item for page in pages for item in page["Items"]])


def test_saved_items_are_the_scanned_items_and_load_back(stack: Stack, tmp_path: Path) -> None:
    # Real items from the handlers: a monitor down after a failing ping with a non-UTF-8 body (a
    # binary attribute), its incident and alert, pings, keys; and one item with every other type.
    monitor = stack.create_monitor(interval=60, grace=30)
    assert stack.ping(monitor["token"], body=b"\xff\xfe not utf-8").status == 200
    assert stack.ping(monitor["token"], "/fail", method="POST", body=b"disk full").status == 200
    stack.dynamodb.put_item(
        TableName=stack.refs["Table"],
        Item={
            "pk": {"S": "TEST"},
            "sk": {"S": "every-type"},
            "n": {"N": "12.5"},
            "b": {"B": b"\x00\x01\xff"},
            "flag": {"BOOL": False},
            "nothing": {"NULL": True},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]},
            "bs": {"BS": [b"\x00", b"\xff"]},
            "l": {"L": [{"S": "x"}, {"B": b"\x02"}, {"M": {"deep": {"N": "1"}}}]},
            "m": {"M": {"b": {"B": b"\x03"}, "l": {"L": [{"BOOL": True}]}}},
        },
    )
    before = scan(stack)
    assert len(before) > 5
    assert by_key(table_items(stack.refs["Table"])) == before

    state = tmp_path / "table.json"
    assert save_table(stack.refs["Table"], state) == len(before)
    for item in before:
        stack.dynamodb.delete_item(TableName=stack.refs["Table"], Key={"pk": item["pk"], "sk": item["sk"]})
    assert scan(stack) == []
    assert load_table(stack.dynamodb, stack.refs["Table"], state) == len(before)
    assert scan(stack) == before


# ---- issue 26: the state directory as `make dev` keeps it ----------------------------------------
# These start `make dev`'s server as a child process, on a free port with its own state directory.

ADMIN_KEY = "hb_local-state-admin-key-0123456789abcdefghijklmnop"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_files_are_the_owners_alone_from_their_first_byte(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "umask", os.umask)  # restored after the test
    os.umask(0o022)  # the usual one, which made table.json 0644 beside 0600 key files
    replaced: list[int] = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append(mode(Path(a))), real_replace(a, b))[1])
    state = tmp_path / "table.json"
    save_table(stack.refs["Table"], state)
    assert replaced == [0o600] and mode(state) == 0o600

    # Files an older stack saved (0644) are made the owner's alone when the state is read
    secret = tmp_path / "api-key-secret"
    secret.write_text("secret\n")
    for path in (state, secret):
        path.chmod(0o644)
    StateDir(tmp_path).read()
    assert mode(state) == mode(secret) == 0o600


def test_dead_letters_are_saved_as_receive_message_shows_them_and_sent_back(stack: Stack, tmp_path: Path) -> None:
    queue = "AlertsDeadLetterQueue"
    url, name = stack.refs[queue], stack.refs[f"{queue}.QueueName"]
    attributes = {
        "ErrorMessage": {"DataType": "String", "StringValue": "HTTPError: 500"},
        "Raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    }
    stack.sqs.send_message(QueueUrl=url, MessageBody='{"alertId": "a1"}', MessageAttributes=attributes)
    stack.sqs.send_message(QueueUrl=url, MessageBody="plain")
    taken = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)["Messages"]
    assert len(taken) == 1  # one taken out of view (a retry under way) is saved too

    saved = queue_letters({queue: name})
    path = tmp_path / "dead-letters.json"
    write_private(path, letters_json(saved))
    stack.sqs.purge_queue(QueueUrl=url)
    assert send_letters(stack.sqs, {queue: url}, read_letters(path)) == 2
    back = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert sorted((m["Body"], m.get("MessageAttributes")) for m in back) == [
        ("plain", None),
        ('{"alertId": "a1"}', attributes),
    ]


def start(state: Path, admin_key: str | None = ADMIN_KEY) -> LocalStackProcess:
    running = LocalStackProcess(state, None, admin_key or "", sweep_seconds=60)
    running.admin_key = admin_key or (state / "admin-key").read_text().strip()
    return running


def heartbeat(running: LocalStackProcess, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEARTBEAT_API_URL": running.url, "HEARTBEAT_API_KEY": key}
    return subprocess.run([CLI, "--output", "json", *args], env=env, capture_output=True, text=True, timeout=30)


def text_of(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def saved_within(seconds: float, *checks: Callable[[], bool]) -> None:
    began = time.monotonic()
    while not all(check() for check in checks):
        assert time.monotonic() - began < seconds, f"not saved within {seconds} s"
        time.sleep(0.1)


def test_a_revoked_local_admin_key_and_the_dead_letters_outlive_a_kill_and_ctrl_c_saves_every_answered_ping(
    tmp_path: Path,
) -> None:
    # Given: a stack that made its own admin key, another admin key, the local one revoked, and an
    # alert in the dead-letter queue
    state = tmp_path / "state"
    first = start(state, admin_key=None)
    local_key = first.admin_key
    mine = first.cli("keys", "create", "--name", "mine", "--role", "admin")["key"]
    local_id = next(k["id"] for k in first.cli("keys", "list")["items"] if k["name"] == "local admin")
    assert heartbeat(first, mine, "keys", "revoke", local_id).returncode == 0
    [endpoint] = re.findall(r"AWS endpoint +(\S+)", "".join(first.lines))
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    queue = sqs.get_queue_url(QueueName="heartbeat-local-AlertsDeadLetterQueue")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"alertId": "kept-through-restarts"}))

    # When: it is killed (no chance to save) once both are saved, a second or so later
    saved_within(
        5,  # saved each second (it was every 15 s)
        lambda: "kept-through-restarts" in text_of(state / "dead-letters.json"),
        lambda: "mine" in text_of(state / "table.json") and "local admin" not in text_of(state / "table.json"),
    )
    first.proc.kill()
    first.proc.wait(timeout=10)

    # Then: the revoked key stays revoked, and the dead letter is still there
    second = start(state, admin_key=None)
    try:
        assert "admin API key   none: this state's admin keys are your own (the local admin key was revoked)" in (
            "".join(second.lines)
        )
        assert heartbeat(second, local_key, "monitors", "list").returncode != 0
        failed = json.loads(heartbeat(second, mine, "alerts", "failed").stdout)["items"]
        assert [f["alertId"] for f in failed] == ["kept-through-restarts"]

        # And a single Ctrl-C while it is busy stops it promptly, with every ping it answered saved
        # (one monitor a thread: moto's updates of one item at once are not atomic, as DynamoDB's are)
        second.admin_key = mine
        created = [second.cli("monitors", "create", "--name", f"Busy {i}", "--expected-interval", "3600")
                   for i in range(PINGERS)]  # fmt: skip
        answered = hammer_then_interrupt(second, [urlsplit(m["pingUrl"]).path for m in created])
    finally:
        code = second.stop()
    assert code == 0 and any("Stopped." in line for line in second.lines)
    items = json.loads((state / "table.json").read_text())
    saved = Counter(i["pk"]["S"] for i in items if i["sk"]["S"].startswith("PING#"))
    assert sum(answered) > 0
    kept = [saved[f"MON#{m['id']}"] for m in created]
    assert all(k >= a for k, a in zip(kept, answered, strict=True)), (kept, answered)


PINGERS = 6


def hammer_then_interrupt(running: LocalStackProcess, paths: list[str]) -> list[int]:
    """Each path pinged over and over by its own thread; one SIGINT while they run; how many pings
    of each were answered 200."""
    answered = [0] * len(paths)
    port = int(urlsplit(running.url).port or 0)

    def ping(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # kept alive, as many clients do
        while running.proc.poll() is None:
            try:
                conn.request("GET", paths[i])
                reply = conn.getresponse()
                reply.read()
                answered[i] += reply.status == 200
            except (OSError, http.client.HTTPException):
                return

    threads = [threading.Thread(target=ping, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    time.sleep(1)
    interrupted = time.monotonic()
    running.proc.send_signal(signal.SIGINT)
    running.proc.wait(timeout=15)
    assert time.monotonic() - interrupted < 8, "the first Ctrl-C did not stop it promptly"
    for thread in threads:
        thread.join(timeout=15)
    return answered


def test_a_ctrl_c_while_it_starts_stops_it_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "HEARTBEAT_PORT": "0", "HEARTBEAT_STATE_DIR": str(tmp_path / "state"), "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "heartbeat_local.devserver"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    starting = threading.Event()

    def read() -> None:
        for line in proc.stdout or []:
            lines.append(line)
            starting.set()

    threading.Thread(target=read, daemon=True).start()
    assert starting.wait(120), "it never said it was starting"  # then it takes a few seconds to be ready
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    time.sleep(0.2)  # the last lines read
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "Stopped." in out and "Traceback" not in out and "ready on" not in out


@pytest.mark.parametrize(
    ("files", "named", "problem"),
    [
        ({"table.json": '[{"pk": {"S": "MON#1"}, "sk"'}, "table.json", "is not JSON"),
        ({"table.json": '{"items": []}'}, "table.json", "is not a saved table"),
        ({"table.json": '[{"pk": {"S": "KEY#x"}, "sk": {"S": "KEY"}}]'}, "api-key-secret", "is missing"),
        ({"dead-letters.json": '["letter"]'}, "dead-letters.json", "is not a saved set of queues"),
        ({"table.json": '[{"pk": {"S": ""}, "sk": {"S": "x"}}]', "api-key-secret": "s"}, "table.json", "holds an"),
    ],
)
def test_a_state_file_it_cannot_use_is_one_line_naming_it(
    files: dict[str, str], named: str, problem: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    for name, text in files.items():
        (state / name).write_text(text)
    env = {**os.environ, "HEARTBEAT_PORT": "0", "HEARTBEAT_STATE_DIR": str(state)}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "heartbeat_local.devserver"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert lines[-1].startswith(f"Cannot start: {state / named} {problem}") and "make dev FRESH=1" in lines[-1]
    assert "Traceback" not in done.stderr and len(lines) == 2  # "Starting ..." and why not
