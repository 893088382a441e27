"""`make deploy-check` fails on what would fail on AWS: a call the role does not grant, a variable
the function reads and the template does not set, compiled code for another architecture. Run by
`make deploy-check` after the check itself, on the same `sam build` output."""

from __future__ import annotations

import copy
import json
import os
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

from heartbeat_local.deploy.lambdas import BUILD, DeployCheckError, foreign_binaries
from heartbeat_local.deploy.stage import Stage
from heartbeat_local.template import ROOT

if not (BUILD / "template.yaml").exists() or not shutil.which("python3.13"):
    reason = "needs `make build` and python3.13 on PATH (make deploy-check provides both)"
    if os.environ.get("DEPLOY_CHECK"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    from heartbeat_local.deploy.sam import transformed

    return transformed(BUILD / "template.yaml")


def staged(cfn: dict[str, Any], only: str) -> Stage:
    stage = Stage(only={only})
    stage.check_build(copy.deepcopy(cfn))
    return stage


def test_a_call_the_role_does_not_grant_fails_the_check(cfn: dict[str, Any]) -> None:
    stage = staged(cfn, "SweeperFunction")
    for policy in stage.cfn["Resources"]["SweeperFunctionRole"]["Properties"]["Policies"]:
        statements = policy["PolicyDocument"]["Statement"]
        policy["PolicyDocument"]["Statement"] = [s for s in statements if s["Action"] != ["dynamodb:Query"]]  # planted
    try:
        stage.start()
        with pytest.raises(DeployCheckError, match="not authorized to perform: dynamodb:Query"):
            stage.functions["SweeperFunction"].invoke(json.loads((ROOT / "events/sweeper-scheduled.json").read_text()))
        denied = stage.denied()
    finally:
        stage.stop()
    assert denied == [
        "SweeperFunctionRole: dynamodb:Query on "
        "arn:aws:dynamodb:us-east-1:123456789012:table/heartbeat-dev-Table/index/due"
    ]


def test_subscription_actions_granted_on_the_topic_are_denied_as_iam_denies_them() -> None:
    """Issue 32: IAM's reference gives them no resource type, so only "*" grants them."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    from heartbeat_local.deploy.iam import judged

    [(action, resource)] = judged("sns", "GetSubscriptionAttributes", {"SubscriptionArn": "arn:topic:abc"})
    assert (action, resource) == ("sns:GetSubscriptionAttributes", "*")
    on_topic = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [action], "Resource": "arn:topic:*"}],
    }
    on_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [action], "Resource": "*"}]}
    for policy, verdict in ((on_topic, PermissionResult.NEUTRAL), (on_all, PermissionResult.PERMITTED)):
        assert IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource) == verdict


def test_a_variable_the_template_does_not_set_fails_the_cold_start(cfn: dict[str, Any]) -> None:
    stage = staged(cfn, "PingFunction")
    del stage.cfn["Resources"]["PingFunction"]["Properties"]["Environment"]["Variables"]["TABLE_NAME"]  # planted
    try:
        with pytest.raises(DeployCheckError, match="PingFunction failed to start") as failure:
            stage.start()
    finally:
        stage.stop()
    assert "TABLE_NAME" in str(failure.value)


def elf(machine: int) -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", machine) + bytes(40)


def test_a_wheel_built_for_x86_fails_the_check(tmp_path: Path, cfn: dict[str, Any]) -> None:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(BUILD / "template.yaml", build / "template.yaml")
    for function in BUILD.iterdir():
        if function.is_dir() and function.name != "CommonLayer":
            (build / function.name).symlink_to(function)
    shutil.copytree(BUILD / "CommonLayer", build / "CommonLayer")
    planted = build / "CommonLayer/python/pydantic_core"
    for so in planted.glob("*.so"):
        so.write_bytes(elf(0x3E))  # x86_64, as `pip install` without --platform would fetch here
    [wheel] = (build / "CommonLayer/python").glob("pydantic_core-*.dist-info/WHEEL")
    wheel.write_text(wheel.read_text().replace("aarch64", "x86_64"))
    with pytest.raises(DeployCheckError, match="cannot load") as failure:
        Stage(build=build).check_build(copy.deepcopy(cfn))
    assert "x86_64, not aarch64" in str(failure.value) and "wheel tag cp313-cp313-manylinux" in str(failure.value)
    assert foreign_binaries(BUILD / "CommonLayer", "arm64") == []  # the real build is clean
