"""AWS-native monitors on `make dev`'s stack, over real HTTP and its real AWS endpoint: a monitors
file with `events` applied by the CLI, then ECS's own event (the AWS docs' sample) put on the
stack's default bus, which reaches the events function through the rule template.yaml declares."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from heartbeat_local.localproc import CLI, LocalStackProcess, Webhook
from heartbeat_local.template import ROOT

ADMIN_KEY = "hb_e2e-events-admin-key-0123456789abcdefghijklmno"
FILE = """\
version: "1"
monitors:
  - name: Nightly Backup Task
    config:
      expectedInterval: 86400
      gracePeriod: 3600
      events:
        - source: [aws.ecs]
          detail:
            group: ["family:nightly-backup"]
"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[LocalStackProcess, Webhook]]:
    hook = Webhook()
    running = LocalStackProcess(tmp_path / "state", hook.url, ADMIN_KEY, sweep_seconds=0.5)
    yield running, hook
    assert running.stop() == 0, "".join(running.lines[-200:])
    hook.close()


def wait_for(condition: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds}s")


def events_client(stack: LocalStackProcess) -> Any:
    [endpoint] = wait_for(lambda: re.findall(r"AWS endpoint +(http://\S+)", "".join(stack.lines)))
    return events_client_at(endpoint)


def put(client: Any, status: str, exit_code: int) -> None:
    doc = json.loads((ROOT / "events" / "run-ecs-task-stopped.json").read_text())
    doc["detail"]["lastStatus"] = status
    doc["detail"]["containers"][0]["exitCode"] = exit_code
    entry = {"Source": doc["source"], "DetailType": doc["detail-type"], "Detail": json.dumps(doc["detail"])}
    assert client.put_events(Entries=[entry])["FailedEntryCount"] == 0


def aws_put(endpoint: str, tmp_path: Path) -> None:
    """`aws events put-events --endpoint-url ...` with the sample ECS event, if the AWS CLI is here."""
    doc = json.loads((ROOT / "events" / "run-ecs-task-stopped.json").read_text())
    entries = [{"Source": doc["source"], "DetailType": doc["detail-type"], "Detail": json.dumps(doc["detail"])}]
    aws = shutil.which("aws")
    if aws is None:
        put(events_client_at(endpoint), "STOPPED", 0)
        return
    (tmp_path / "entries.json").write_text(json.dumps(entries))
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    args = [aws, "events", "put-events", "--endpoint-url", endpoint, "--entries", f"file://{tmp_path}/entries.json"]
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=60)


def events_client_at(endpoint: str) -> Any:
    return boto3.client(
        "events",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_an_ecs_task_event_put_on_the_local_bus_pings_its_monitor_and_a_failure_alerts(
    stack: tuple[LocalStackProcess, Webhook], tmp_path: Path
) -> None:
    running, hook = stack
    monitors_file = tmp_path / "heartbeat.yml"
    monitors_file.write_text(FILE)
    env = {**os.environ, "HEARTBEAT_API_URL": running.url, "HEARTBEAT_API_KEY": ADMIN_KEY}
    subprocess.run([CLI, "apply", "-f", str(monitors_file)], env=env, check=True, capture_output=True, timeout=30)
    [m] = running.cli("monitors", "list")["items"]
    client = events_client(running)

    aws_put(client.meta.endpoint_url, tmp_path)  # as the README shows it
    assert wait_for(lambda: running.cli("monitors", "get", m["id"])["status"] == "up")
    put(client, "STOPPED", 0)  # delivered twice: one ping
    time.sleep(1)
    assert running.cli("monitors", "get", m["id"])["pingCount"] == 1

    doc_task = "arn:aws:ecs:us-west-2:111122223333:task/default/second-run"
    doc = json.loads((ROOT / "events" / "run-ecs-task-stopped.json").read_text())
    doc["detail"].update(taskArn=doc_task, stoppedReason="Essential container in task exited")
    doc["detail"]["containers"][0]["exitCode"] = 2
    entry = {"Source": "aws.ecs", "DetailType": "ECS Task State Change", "Detail": json.dumps(doc["detail"])}
    client.put_events(Entries=[entry])
    wait_for(lambda: running.cli("monitors", "get", m["id"])["status"] == "down")
    [incident] = running.cli("monitors", "incidents", m["id"])["items"]
    assert incident["cause"] == "exit_status"
    alert = wait_for(lambda: [e for e in hook.events() if e.get("event") == "monitor.down"])[0]
    assert "container backup: exit 2" in alert["incident"]["body"]
    # The file exports as it was applied, events and all.
    exported = yaml.safe_load(
        subprocess.run([CLI, "export"], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert exported["monitors"][0]["config"]["events"] == [
        {"source": ["aws.ecs"], "detail": {"group": ["family:nightly-backup"]}}
    ]


# Each source's sample (events/run-*.json, from the AWS documentation's examples) and what it makes
# of a monitor that listens to its source.
SAMPLES = {
    "run-ecs-task-stopped.json": "up",
    "run-batch-job-succeeded.json": "up",
    "run-step-functions-execution-succeeded.json": "up",
    "run-codebuild-build-succeeded.json": "up",
    "run-glue-job-failed.json": "down",
    "run-lambda-invocation-failure.json": "down",
}


def create_monitor(stack: LocalStackProcess, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{stack.url}/api/v1/monitors",
        json.dumps(body).encode(),
        {"X-Api-Key": ADMIN_KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def test_every_sources_sample_reaches_its_own_monitor_and_no_other(stack: tuple[LocalStackProcess, Webhook]) -> None:
    running, _ = stack
    client = events_client(running)
    samples = {name: json.loads((ROOT / "events" / name).read_text()) for name in SAMPLES}
    ids = {}
    for name, doc in samples.items():
        body = {"name": name, "config": {"events": [{"source": [doc["source"]]}]}}
        ids[name] = create_monitor(running, body)["id"]
    for name, doc in samples.items():
        entry = {"Source": doc["source"], "DetailType": doc["detail-type"], "Detail": json.dumps(doc["detail"])}
        entry["Resources"] = doc.get("resources", [])
        assert client.put_events(Entries=[entry])["FailedEntryCount"] == 0
        wait_for(lambda n=name: running.cli("monitors", "get", ids[n])["status"] == SAMPLES[n])
        # Only its own monitor heard it
        counts = {n: running.cli("monitors", "get", i)["pingCount"] for n, i in ids.items()}
        assert counts[name] == 1 and sum(counts.values()) == list(samples).index(name) + 1, counts
