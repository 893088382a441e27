"""`heartbeat discover` over moto: an account's schedules and scheduled rules become a monitors file
whose schedules, grace and event patterns are right, whose patterns match the runs' own events
(the samples in events/ with this account's identifiers), and which `--apply` applies once."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

import heartbeat_cli as cli
from heartbeat.domain.eventpatterns import check_patterns, matches
from heartbeat.domain.runsources import report_of
from heartbeat_local.template import ROOT
from tests.harness import HandlerApi, Stack

ROLE = "arn:aws:iam::123456789012:role/scheduler"
NOW_MS = 1795579200000


def sample(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"run-{name}.json").read_text())


def lambda_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def make_account() -> dict[str, str]:
    """Given: schedules in three zones and a scheduled rule, each starting one kind of job, plus
    what discover cannot watch (an SQS target, a one-time schedule)."""
    ecs = boto3.client("ecs")
    cluster = ecs.create_cluster(clusterName="jobs")["cluster"]["clusterArn"]
    container = [{"name": "backup", "image": "busybox", "memory": 128}]
    task = ecs.register_task_definition(family="nightly-backup", containerDefinitions=container)
    task_definition = task["taskDefinition"]["taskDefinitionArn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    machine = boto3.client("stepfunctions").create_state_machine(
        name="nightly-etl", definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
        roleArn=role,
    )["stateMachineArn"]  # fmt: skip
    function = boto3.client("lambda").create_function(
        FunctionName="nightly-report", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": lambda_zip()},
    )["FunctionArn"]  # fmt: skip
    build_env = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0"}
    build_env["computeType"] = "BUILD_GENERAL1_SMALL"
    boto3.client("codebuild").create_project(
        name="my-sample-project", source={"type": "S3", "location": "builds/src.zip"},
        artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role, environment=build_env,
    )  # fmt: skip
    project = "arn:aws:codebuild:us-east-1:123456789012:project/my-sample-project"
    queue = boto3.client("sqs").create_queue(QueueName="work")["QueueUrl"]
    queue_arn = boto3.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]

    scheduler = boto3.client("scheduler")

    def schedule(name: str, expression: str, target: dict[str, Any], zone: str = "UTC", window: int = 0) -> None:
        flexible = {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": window} if window else {"Mode": "OFF"}
        scheduler.create_schedule(
            Name=name, ScheduleExpression=expression, ScheduleExpressionTimezone=zone, FlexibleTimeWindow=flexible,
            Target={"RoleArn": ROLE, **target},
        )  # fmt: skip

    ecs_target = {"Arn": cluster, "EcsParameters": {"TaskDefinitionArn": task_definition}}
    schedule("nightly-backup", "cron(30 2 ? * 2-6 *)", ecs_target, "Europe/Riga")
    schedule("nightly-etl", "cron(0 4 * * ? *)", {"Arn": machine}, "America/New_York")
    schedule("hourly-report", "rate(1 hour)", {"Arn": function})
    schedule("build", "rate(2 days)", {"Arn": project}, window=15)
    schedule("to-queue", "rate(5 minutes)", {"Arn": queue_arn["QueueArn"]})
    schedule("new-year", "at(2027-01-01T00:00:00)", {"Arn": function})
    events = boto3.client("events")
    events.put_rule(Name="cleanup", ScheduleExpression="cron(15 * * * ? *)")
    events.put_targets(Rule="cleanup", Targets=[{"Id": "task", "RoleArn": ROLE, **ecs_target}])
    return {"cluster": cluster, "machine": machine, "function": function, "project": "my-sample-project"}


def discovered(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, dict[str, Any]], str]:
    out = cli.run(["discover", "--region", "us-east-1"])
    doc = yaml.safe_load(out)
    assert doc["version"] == "1"
    return {m["key"]: m for m in doc["monitors"]}, capsys.readouterr().err


def test_schedules_and_rules_become_monitors_with_their_own_schedule_and_zone(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    make_account()
    monitors, err = discovered(capsys)
    configs = {key: {k: v for k, v in m["config"].items() if k != "events"} for key, m in monitors.items()}
    assert configs == {
        "nightly-backup": {"schedule": "30 2 * * 1-5", "timezone": "Europe/Riga", "gracePeriod": 3600},
        "nightly-etl": {"schedule": "0 4 * * *", "timezone": "America/New_York", "gracePeriod": 3600},
        "hourly-report": {"expectedInterval": 3600, "gracePeriod": 360},
        "build": {"expectedInterval": 172800, "gracePeriod": 3600 + 900},
        "rule-cleanup": {"schedule": "15 * * * *", "timezone": "UTC", "gracePeriod": 360},
    }
    assert monitors["nightly-backup"]["name"] == "nightly-backup"
    assert "skipped schedule to-queue: unsupported target sqs" in err
    assert "skipped schedule new-year: one-time schedule at(2027-01-01T00:00:00)" in err
    assert "note: schedule hourly-report: Lambda reports runs through its asynchronous invocation" in err


def test_each_pattern_matches_its_own_runs_events_and_no_other(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    made = make_account()
    monitors, _ = discovered(capsys)
    ecs = sample("ecs-task-stopped")
    ecs["detail"]["clusterArn"] = made["cluster"]
    states = sample("step-functions-execution-succeeded")
    states["detail"]["stateMachineArn"] = made["machine"]
    build = sample("codebuild-build-succeeded")  # its project is my-sample-project already
    invoked = sample("lambda-invocation-failure")
    invoked["resources"][1] = invoked["detail"]["requestContext"]["functionArn"] = made["function"] + ":$LATEST"
    succeeded = copy.deepcopy(invoked)
    succeeded["detail-type"] = "Lambda Function Invocation Result - Success"
    runs = {
        "nightly-backup": [ecs],
        "rule-cleanup": [ecs],
        "nightly-etl": [states],
        "build": [build],
        "hourly-report": [invoked, succeeded],
    }
    everything = [e for es in runs.values() for e in es]
    for key, own in runs.items():
        patterns = check_patterns(monitors[key]["config"]["events"])
        for event in everything:
            assert report_of(event, NOW_MS) is not None
            matched = any(matches(p, event) for p in patterns)
            assert matched == (event in own), (key, event["source"])
    other_cluster = copy.deepcopy(ecs)
    other_cluster["detail"]["clusterArn"] = made["cluster"].replace("/jobs", "/other")
    assert not matches(monitors["nightly-backup"]["config"]["events"][0], other_cluster)


def test_file_is_written_where_asked(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_account()
    path = tmp_path / "heartbeat.yml"
    assert cli.run(["discover", "-f", str(path)]) == f"wrote {path}: 5 monitors"
    assert len(yaml.safe_load(path.read_text())["monitors"]) == 5


def test_apply_shows_the_plan_creates_the_monitors_and_a_second_run_changes_nothing(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    make_account()
    api = HandlerApi(stack)
    out = cli.run(["discover", "--apply"], api=api)
    plan = capsys.readouterr().out
    assert "+ create    nightly-backup" in plan and plan.strip().endswith("unchanged, 0 to delete.")
    assert out.startswith("Applied: ") and "0 updated, 0 unchanged, 0 deleted." in out
    made = {m["name"]: m for m in stack.request("GET", "/api/v1/monitors").json()["items"]}
    assert made["nightly-backup"]["config"]["schedule"] == "30 2 * * 1-5"
    assert made["nightly-backup"]["config"]["timezone"] == "Europe/Riga"
    assert made["nightly-etl"]["config"]["events"][0]["source"] == ["aws.states"]

    again = cli.run(["discover", "--apply"], api=api)
    assert again == f"No changes: {len(made)} monitors unchanged."


def test_one_bad_schedule_is_skipped_with_why_and_the_rest_applied(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 26: a zone Heartbeat does not know aborted the run with a traceback, and one rate past a
    # year made apply refuse the whole file: no schedule got its monitor
    made = make_account()
    scheduler = boto3.client("scheduler")
    for name, expression, zone in [
        ("on-mars", "cron(0 4 * * ? *)", "Mars/Olympus_Mons"),
        ("forever", "rate(99999999999 days)", "UTC"),
    ]:
        scheduler.create_schedule(
            Name=name, ScheduleExpression=expression, ScheduleExpressionTimezone=zone,
            FlexibleTimeWindow={"Mode": "OFF"}, Target={"RoleArn": ROLE, "Arn": made["function"]},
        )  # fmt: skip
    out = cli.run(["discover", "--apply"], api=HandlerApi(stack))
    err = capsys.readouterr().err
    assert "skipped schedule forever: rate(99999999999 days): longer than 365 days" in err
    assert "skipped schedule on-mars: unknown timezone 'Mars/Olympus_Mons'" in err
    assert out == "Applied: 5 created, 0 updated, 0 unchanged, 0 deleted."
    assert len(stack.request("GET", "/api/v1/monitors").json()["items"]) == 5
