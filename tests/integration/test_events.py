"""AWS-native monitors: each supported source's run events (the AWS documentation's examples, in
events/) put on moto's default bus, matched by the template's rule, delivered to the events
function and recorded as pings. Black-box: what the API shows and what alerts arrive."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from heartbeat.domain.awsruns import KEPT_RUNS
from heartbeat_local.lambdas import LambdaContext
from tests.harness import Stack, load_event

ECS = {"source": ["aws.ecs"], "detail": {"group": ["family:nightly-backup"]}}


@pytest.fixture
def runs(stack: Stack) -> Iterator[Stack]:
    with stack.events_bridge():
        yield stack


def event(name: str, **detail: Any) -> dict[str, Any]:
    doc = load_event(name)
    doc = copy.deepcopy(doc)
    doc["detail"].update(detail)
    return doc


def ecs(status: str, exit_code: int | None = 0, task: str = "b99d40b3", **detail: Any) -> dict[str, Any]:
    doc = event("run-ecs-task-stopped", lastStatus=status, desiredStatus=status, **detail)
    doc["detail"]["taskArn"] = f"arn:aws:ecs:us-west-2:111122223333:task/default/{task}"
    for c in doc["detail"]["containers"]:
        c["lastStatus"] = status
        if exit_code is None or status != "STOPPED":
            c.pop("exitCode", None)
        else:
            c["exitCode"] = exit_code
    return doc


def watch(stack: Stack, *patterns: dict[str, Any], interval: int = 86400, grace: int = 3600) -> dict:
    return stack.create_monitor(interval=interval, grace=grace, config_extra={"events": list(patterns)})


def pings(stack: Stack, m: dict) -> list[dict]:
    return stack.request("GET", f"/api/v1/monitors/{m['id']}/pings").json()["items"]


def alerts(stack: Stack) -> list[str]:
    return [a["event"] for a in stack.alerts()]


# ---- each source ----------------------------------------------------------------------------


def test_an_ecs_task_running_then_stopping_with_exit_0_starts_then_is_up_with_its_duration(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("RUNNING"))
    assert runs.monitor(m["id"])["status"] == "started"
    runs.clock.advance(840)
    runs.put_event(ecs("STOPPED"))
    shown = runs.monitor(m["id"])
    assert (shown["status"], shown["lastDurationSeconds"]) == ("up", 840.0)
    last = pings(runs, m)[0]
    assert (last["kind"], last["method"], last["userAgent"]) == ("success", "EVENT", "aws.ecs (ECS Task State Change)")
    assert "Essential container in task exited" in last["bodyPreview"]


def test_an_ecs_task_exiting_non_zero_is_down_with_its_exit_status_and_alerts(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("STOPPED", exit_code=3))
    assert runs.monitor(m["id"])["status"] == "down"
    assert runs.incidents(m["id"])[0]["cause"] == "exit_status"
    assert pings(runs, m)[0]["exitStatus"] == 3
    [alert] = runs.alerts()
    assert alert["event"] == "monitor.down" and "container backup: exit 3" in alert["incident"]["body"]


@pytest.mark.parametrize(
    ("reason", "stop_code"),
    [
        ("CannotPullContainerError: pull image manifest has been retried 5 time(s)", "TaskFailedToStart"),
        ("OutOfMemoryError: Container killed due to memory usage", "EssentialContainerExited"),
    ],
)
def test_an_ecs_task_that_never_ran_or_ran_out_of_memory_is_down_saying_why(
    runs: Stack, reason: str, stop_code: str
) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("STOPPED", exit_code=None, stoppedReason=reason, stopCode=stop_code))
    assert runs.incidents(m["id"])[0]["cause"] == "failed"
    [alert] = runs.alerts()
    assert reason in alert["incident"]["body"]


def test_a_batch_job_starts_succeeds_and_a_failed_one_alerts_with_its_exit_code(runs: Stack) -> None:
    m = watch(runs, {"source": ["aws.batch"], "detail": {"jobName": ["event-test"]}})
    runs.put_event(event("run-batch-job-succeeded", status="RUNNING"))
    assert runs.monitor(m["id"])["status"] == "started"
    runs.clock.advance(12)
    runs.put_event(event("run-batch-job-succeeded"))
    assert runs.monitor(m["id"])["status"] == "up"
    failed = event("run-batch-job-succeeded", status="FAILED", jobId="5d8a-second-run", statusReason="Task failed")
    failed["detail"]["attempts"][-1]["container"]["exitCode"] = 137
    runs.put_event(failed)
    assert runs.monitor(m["id"])["status"] == "down"
    assert (pings(runs, m)[0]["exitStatus"], runs.incidents(m["id"])[0]["cause"]) == (137, "exit_status")
    assert alerts(runs) == ["monitor.down"]


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_a_step_functions_execution_that_fails_alerts_with_its_error_and_cause(runs: Stack, status: str) -> None:
    m = watch(runs, {"source": ["aws.states"], "detail": {"stateMachineArn": [{"suffix": ":nightly-etl"}]}})
    runs.put_event(event("run-step-functions-execution-succeeded", status="RUNNING"))
    assert runs.monitor(m["id"])["status"] == "started"
    runs.put_event(
        event("run-step-functions-execution-succeeded", status=status, error="States.TaskFailed", cause="rows missing")
    )
    assert runs.incidents(m["id"])[0]["cause"] == "failed"
    [alert] = runs.alerts()
    assert "error: States.TaskFailed" in alert["incident"]["body"] and "rows missing" in alert["incident"]["body"]


def test_a_step_functions_execution_that_succeeds_is_up(runs: Stack) -> None:
    m = watch(runs, {"source": ["aws.states"], "detail": {"stateMachineArn": [{"suffix": ":nightly-etl"}]}})
    runs.put_event(event("run-step-functions-execution-succeeded"))
    assert runs.monitor(m["id"])["status"] == "up"
    n = pings(runs, m)[0]["n"]
    body = runs.request("GET", f"/api/v1/monitors/{m['id']}/pings/{n}/body").body.decode()
    assert "#/v2/executions/details/arn:aws:states:us-east-1:111122223333:execution:nightly-etl:" in body


def test_a_glue_job_run_is_up_on_success_and_down_on_failure(runs: Stack) -> None:
    m = watch(runs, {"source": ["aws.glue"], "detail": {"jobName": ["MyJob"]}})
    runs.put_event(event("run-glue-job-failed", state="SUCCEEDED", jobRunId="jr_first"))
    assert runs.monitor(m["id"])["status"] == "up"
    runs.put_event(event("run-glue-job-failed"))
    assert runs.monitor(m["id"])["status"] == "down"
    [alert] = runs.alerts()
    assert "Access Denied" in alert["incident"]["body"]


@pytest.mark.parametrize("status", ["FAILED", "STOPPED"])
def test_a_codebuild_build_starts_and_one_that_fails_alerts(runs: Stack, status: str) -> None:
    m = watch(runs, {"source": ["aws.codebuild"], "detail": {"project-name": ["my-sample-project"]}})
    runs.put_event(event("run-codebuild-build-succeeded", **{"build-status": "IN_PROGRESS"}))
    assert runs.monitor(m["id"])["status"] == "started"
    runs.put_event(event("run-codebuild-build-succeeded"))
    assert runs.monitor(m["id"])["status"] == "up"
    other = event("run-codebuild-build-succeeded", **{"build-status": status, "build-id": "arn:aws:codebuild:b2"})
    runs.put_event(other)
    assert runs.monitor(m["id"])["status"] == "down"


def test_an_async_lambda_result_is_up_on_success_and_down_with_its_error_on_failure(runs: Stack) -> None:
    pattern = {
        "source": ["lambda"],
        "detail": {
            "requestContext": {
                "functionArn": [{"prefix": "arn:aws:lambda:us-east-2:111122223333:function:nightly-report"}]
            }
        },
    }
    m = watch(runs, pattern)
    success = event("run-lambda-invocation-failure", responsePayload={"ok": True})
    success["detail-type"] = "Lambda Function Invocation Result - Success"
    success["detail"]["requestContext"] = {
        **success["detail"]["requestContext"],
        "requestId": "first",
        "condition": "Success",
    }
    runs.put_event(success)
    assert runs.monitor(m["id"])["status"] == "up"
    runs.put_event(event("run-lambda-invocation-failure"))
    assert runs.incidents(m["id"])[0]["cause"] == "failed"
    [alert] = runs.alerts()
    assert "Runtime.ExitError: RequestId" in alert["incident"]["body"]


# ---- delivery: twice, late, out of order, unrelated -------------------------------------------


def test_a_second_delivery_records_nothing_and_costs_one_failed_conditional_write(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("STOPPED"))
    calls = runs.count_calls("EventsFunction")
    runs.put_event(ecs("STOPPED"))
    assert calls == ["UpdateItem"]  # its condition refused it: no read decided it, so no race can
    assert runs.monitor(m["id"])["pingCount"] == 1


def test_a_running_event_that_arrives_after_its_run_ended_does_not_reopen_it(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("RUNNING"))
    runs.put_event(ecs("STOPPED"))
    runs.put_event(ecs("RUNNING"))  # delivered late, after the STOPPED
    shown = runs.monitor(m["id"])
    assert (shown["status"], shown["pingCount"]) == ("up", 2)
    runs.clock.advance(86400 + 3600 + 1)
    runs.sweep()
    assert runs.incidents(m["id"])[0]["cause"] == "missed"  # not "timeout": no run was reopened


def test_an_end_that_arrives_before_its_start_counts_and_the_start_is_then_ignored(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("STOPPED"))
    runs.put_event(ecs("RUNNING"))
    assert runs.monitor(m["id"])["status"] == "up"


def test_overlapping_tasks_are_paired_by_their_own_task_arn(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("RUNNING", task="a"))
    runs.clock.advance(10)
    runs.put_event(ecs("RUNNING", task="b"))
    runs.clock.advance(5)
    runs.put_event(ecs("STOPPED", task="a"))
    assert runs.monitor(m["id"])["lastDurationSeconds"] == 15.0


def test_unrelated_events_touch_no_monitor(runs: Stack) -> None:
    m = watch(runs, ECS)
    runs.put_event(ecs("STOPPED", group="family:other-job"))
    runs.put_event(ecs("PENDING"))  # a task of ours, but no run's start or end
    runs.put_event(event("run-batch-job-succeeded"))
    runs.put_event(
        {"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification", "detail": {"state": "running"}}
    )
    shown = runs.monitor(m["id"])
    assert (shown["status"], shown["pingCount"]) == ("new", 0)


def test_a_source_that_never_fires_is_a_missed_run(runs: Stack) -> None:
    m = watch(runs, ECS, interval=3600, grace=600)
    runs.put_event(ecs("STOPPED"))
    runs.clock.advance(3600 + 600 + 1)
    runs.sweep()
    assert runs.incidents(m["id"])[0]["cause"] == "missed"
    assert alerts(runs) == ["monitor.down"]


def test_a_warm_success_event_costs_what_an_http_ping_costs(runs: Stack) -> None:
    watch(runs, ECS)
    runs.put_event(ecs("STOPPED", task="warm-up"))  # reads the patterns, once a minute
    calls = runs.count_calls("EventsFunction")
    runs.put_event(ecs("STOPPED", task="next"))
    assert calls == ["UpdateItem", "PutItem"]


def test_a_monitor_remembers_only_its_last_runs(runs: Stack) -> None:
    m = watch(runs, ECS)
    for i in range(20):
        runs.put_event(ecs("STOPPED", task=f"t{i}"))
        runs.clock.advance(60)
    # The runs kept, plus those the next write prunes (each write prunes what the one before it saw).
    assert len(runs.store.monitors.get(m["id"]).event_runs) <= KEPT_RUNS + 2
    assert runs.monitor(m["id"])["pingCount"] == 20


# ---- patterns through the API -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "place"),
    [
        ([{"source": ["aws.ec2"]}], "events[0].source"),
        ([{"source": "aws.ecs"}], "events[0].source"),
        ([{"source": ["aws.ecs"], "detail": {"group": "family:x"}}], "events[0].detail.group"),
        ([{"source": ["aws.ecs"], "detail": {"group": [{"contains": "x"}]}}], "events[0].detail.group[0]"),
        ([{"source": ["aws.ecs"], "detial": {}}], "events[0].detial"),
        ("aws.ecs", "config.events"),
    ],
)
def test_an_invalid_pattern_is_refused_with_its_place(stack: Stack, events: Any, place: str) -> None:
    body = {"name": "x", "config": {"events": events}}
    reply = stack.request("POST", "/api/v1/monitors", body)
    assert reply.status == 422, reply.body
    assert place in json.dumps(reply.json()["error"])


def test_patterns_are_shown_changed_and_cleared_through_the_api(runs: Stack) -> None:
    m = watch(runs, ECS)
    assert runs.monitor(m["id"])["config"]["events"] == [ECS]
    other = {"source": ["aws.ecs"], "detail": {"group": [{"prefix": "family:nightly-"}]}}
    assert runs.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"events": [other]}}).status == 200
    runs.clock.advance(61)  # the function's memory of the patterns is a minute old
    runs.put_event(ecs("STOPPED", group="family:nightly-reports"))
    assert runs.monitor(m["id"])["status"] == "up"
    assert runs.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"events": []}}).status == 200
    assert runs.store.event_monitors.all() == []


# ---- issue 26: patterns EventBridge refuses; one monitor's pattern never stops another's event ----


def ecs_detail(**filters: Any) -> dict[str, Any]:
    return {"source": ["aws.ecs"], "detail": filters}


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    reply = stack.sqs.receive_message(QueueUrl=stack.refs["EventsDeadLetterQueue"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in reply.get("Messages", [])]


REFUSED_BY_EVENTBRIDGE = [
    ({"group": [{"anything-but": {}}]}, "events[0].detail.group[0].anything-but"),
    ({"stopCode": [{"numeric": ["!!", 1]}]}, "events[0].detail.stopCode[0].numeric"),
    ({"group": [{"anything-but": {"prefix": 5}}]}, "events[0].detail.group[0].anything-but.prefix"),
    ({"group": [{"anything-but": {"numeric": "x"}}]}, "events[0].detail.group[0].anything-but"),
    ({"group": [{"anything-but": {"bogus": 1}}]}, "events[0].detail.group[0].anything-but"),
]


@pytest.mark.parametrize(("detail", "place"), REFUSED_BY_EVENTBRIDGE)
def test_a_pattern_eventbridge_refuses_is_a_422_naming_its_place(stack: Stack, detail: Any, place: str) -> None:
    monitor = {"name": "x", "config": {"events": [ecs_detail(**detail)]}}
    for path, body in (("/api/v1/monitors", monitor), ("/api/v1/apply", {"version": "1", "monitors": [monitor]})):
        reply = stack.request("POST", path, body)
        assert reply.status == 422, reply.body
        assert place in json.dumps(reply.json()["error"]), reply.json()
    assert stack.store.event_monitors.all() == []


@pytest.mark.parametrize(("detail", "_place"), REFUSED_BY_EVENTBRIDGE)
def test_a_stored_pattern_the_matcher_cannot_judge_matches_nothing_and_stops_no_other_event(
    runs: Stack, detail: Any, _place: str
) -> None:
    # Given a pattern stored before patterns were checked (written past the API), and a sound monitor
    poison = watch(runs, ECS)
    current = runs.store.monitors.get(poison["id"])
    runs.store.monitors.update_settings(current, dataclasses.replace(current, events=[ecs_detail(**detail)]), 0)
    sound = watch(runs, {"source": ["aws.batch"], "detail": {"jobName": ["event-test"]}})
    # When the poison pattern is asked to judge an unrelated task's event, then the sound monitor's run
    with runs.captured_logs() as logs:
        runs.put_event(ecs("STOPPED", group="family:someone-else"))
        runs.put_event(event("run-batch-job-succeeded"))
    # Then the sound monitor is up, the poison one matched nothing, nothing was dead-lettered, and it is logged
    assert runs.monitor(sound["id"])["status"] == "up"
    assert runs.monitor(poison["id"])["pingCount"] == 0
    assert dead_letters(runs) == []
    assert poison["id"] in logs.getvalue() and "events[0].detail" in logs.getvalue()


# ---- issue 26: a malformed event is logged and skipped, never retried into the dead-letter queue ----


def malformed(name: str, path: str, value: Any) -> dict[str, Any]:
    """A sample event with the field at `path` (dotted, under detail) set to `value`."""
    doc = copy.deepcopy(load_event(name))
    *parents, last = path.split(".")
    node = doc["detail"]
    for key in parents:
        node = node[key]
    node[last] = value
    return doc


MALFORMED = [
    ("run-ecs-task-stopped", "containers", 5),
    ("run-ecs-task-stopped", "containers", "backup"),
    ("run-ecs-task-stopped", "containers", [1, 2]),
    ("run-ecs-task-stopped", "group", ["family:nightly-backup"]),
    ("run-ecs-task-stopped", "group", 7),
    ("run-batch-job-succeeded", "attempts", 3),
    ("run-batch-job-succeeded", "statusReason", {"why": "x"}),
    ("run-glue-job-failed", "message", 42),
    ("run-codebuild-build-succeeded", "additional-information", "logs"),
    ("run-codebuild-build-succeeded", "additional-information.logs", ["x"]),
    ("run-lambda-invocation-failure", "requestContext", "ctx"),
    ("run-lambda-invocation-failure", "requestContext.functionArn", 12),
    ("run-step-functions-execution-succeeded", "executionArn", {"arn": 1}),
]


@pytest.mark.parametrize(("name", "path", "value"), MALFORMED)
def test_a_malformed_event_is_logged_and_skipped_and_the_next_one_still_pings(
    runs: Stack, name: str, path: str, value: Any
) -> None:
    good = load_event(name)
    m = watch(runs, {"source": [good["source"]]})  # every event of that source is this monitor's
    handler = runs.modules["EventsFunction"].lambda_handler
    with runs.captured_logs() as logs:
        outcome = handler(malformed(name, path, value), LambdaContext("EventsFunction"))
    assert outcome["pinged"] == [] and runs.monitor(m["id"])["pingCount"] == 0
    assert "malformed" in logs.getvalue() and good["id"] in logs.getvalue()
    assert handler(copy.deepcopy(good), LambdaContext("EventsFunction"))["pinged"] == [m["id"]]
    assert runs.monitor(m["id"])["pingCount"] == 1
