"""SAM CLI's own view of the template, asked of .venv-sam (samside.py), and what follows from it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from heartbeat_local.template import ROOT, TEMPLATE

SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
SAMSIDE = Path(__file__).with_name("samside.py")
# Names as a deployment has them, at their real lengths (a policy's size depends on them).
STACK, REGION, ACCOUNT, API_ID = "heartbeat-dev", "us-east-1", "123456789012", "a1b2c3d4e5"
SUFFIX = "AbCdEfGhIjKl"  # the 12 characters CloudFormation appends to a physical name
LAMBDA_POLICY_LIMIT = 20_480  # bytes: a function's resource-based policy


def sam_side(command: str, target: Path) -> Any:
    if not SAM_PYTHON.exists():
        raise RuntimeError(f"{SAM_PYTHON} is missing: `make setup` installs SAM CLI there")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": REGION}
    run = subprocess.run(
        [str(SAM_PYTHON), str(SAMSIDE), command, str(target)], capture_output=True, text=True, env=env, check=False
    )
    if run.returncode:
        raise RuntimeError(f"samside {command} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout)


def guided_deploy_on_defaults(template: Path = TEMPLATE, config: Path = ROOT / "samconfig.toml") -> dict[str, Any]:
    """`sam deploy --guided` with Enter at every question, on copies (it saves its answers)."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(template, Path(tmp) / "template.yaml")
        shutil.copy(config, Path(tmp) / "samconfig.toml")
        return sam_side("guided", Path(tmp))


def transformed(template: Path = TEMPLATE) -> dict[str, Any]:
    return sam_side("transform", template)


def physical_name(logical_id: str, limit: int = 64) -> str:
    """As CloudFormation names what the template does not name: stack-LogicalId-SUFFIX, cut to fit."""
    return f"{STACK}-{logical_id}"[: limit - len(SUFFIX) - 1] + f"-{SUFFIX}"


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """CloudFormation's intrinsics as SAM's output uses them: Ref, GetAtt, Sub (both forms), Join, If
    (conditions given as `Condition:<name>` in refs, "true" or "false")."""
    if isinstance(value, dict) and len(value) == 1:
        [(fn, arg)] = value.items()
        if fn == "Ref":
            return refs[arg]
        if fn == "Fn::GetAtt":
            return refs[".".join(arg) if isinstance(arg, list) else arg]
        if fn == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], refs))
            return re.sub(r"\$\{([^}!]+)\}", lambda m: str(extra[m[1]] if m[1] in extra else refs[m[1]]), text)
        if fn == "Fn::Join":
            return arg[0].join(str(resolve(v, refs)) for v in arg[1])
        if fn == "Fn::If":
            name, then, otherwise = arg
            return resolve(then if refs[f"Condition:{name}"] == "true" else otherwise, refs)
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items() if v != {"Ref": "AWS::NoValue"}}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value if v != {"Ref": "AWS::NoValue"}]
    return value


def invoke_policies(template: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> its resource-based policy as Lambda stores it (one statement per
    AWS::Lambda::Permission), with the names a stack called heartbeat-dev would give."""
    resources = template["Resources"]
    refs = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK}
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind == "AWS::ApiGatewayV2::Api":
            refs[logical_id] = API_ID
        elif kind == "AWS::Lambda::Function":
            name = physical_name(logical_id)
            refs[logical_id] = name
            refs[f"{logical_id}.Arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        elif kind == "AWS::SNS::Topic":
            refs[logical_id] = f"arn:aws:sns:{REGION}:{ACCOUNT}:{physical_name(logical_id, 256)}"
        elif kind == "AWS::Events::Rule":
            refs[f"{logical_id}.Arn"] = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{physical_name(logical_id)}"
    statements: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Permission":
            continue
        props = resource["Properties"]
        function = props["FunctionName"].get("Ref") or props["FunctionName"]["Fn::GetAtt"][0]
        statement: dict[str, Any] = {
            "Sid": physical_name(logical_id, 100),
            "Effect": "Allow",
            "Principal": {"Service": props["Principal"]},
            "Action": props["Action"],
            "Resource": refs[f"{function}.Arn"],
        }
        if "SourceArn" in props:
            statement["Condition"] = {"ArnLike": {"AWS:SourceArn": resolve(props["SourceArn"], refs)}}
        statements.setdefault(function, []).append(statement)
    return {
        function: json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": s}, separators=(",", ":"))
        for function, s in statements.items()
    }


if __name__ == "__main__":  # python -m heartbeat_local.deploy.sam: the figures this module gives
    what = sys.argv[1] if len(sys.argv) > 1 else "policies"
    if what == "guided":
        print(json.dumps(guided_deploy_on_defaults(), indent=1))
    else:
        for function, policy in sorted(invoke_policies(transformed()).items()):
            print(f"{function:24} {policy.count('Sid'):3} statements {len(policy):6,} bytes")
