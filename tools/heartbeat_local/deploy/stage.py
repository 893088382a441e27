"""The stage the deploy check runs on: moto over HTTP with IAM enforced as AWS does (iam.Enforcer),
the template's resources, one role per function made from SAM's own transform of the built
template, and each function started from `sam build`'s output under its role."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from heartbeat_local.deploy.iam import ACCOUNT, REGION, Enforcer
from heartbeat_local.deploy.lambdas import (
    BUILD,
    RUNTIME_SDK,
    WORK,
    DeployCheckError,
    Function,
    foreign_binaries,
    host_stand_ins,
    lambda_environment,
    native_distributions,
    pip_target,
)
from heartbeat_local.deploy.sam import resolve, transformed
from heartbeat_local.template import Template, load

STACK = "heartbeat-dev"
RUN_PROPERTIES = ("Handler", "Environment", "MemorySize", "Timeout")
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"  # logs only


class Stage:
    def __init__(
        self, extra_env: dict[str, dict[str, str]] | None = None, only: set[str] | None = None, build: Path = BUILD
    ) -> None:
        self.extra_env = extra_env or {}  # function -> emulation-only variables (a test CA)
        self.only = only  # the functions to start (all by default)
        self.build = build
        self.enforcer = Enforcer()
        self.functions: dict[str, Function] = {}
        self.refs: dict[str, str] = {}
        self.stand_ins = ""  # what stands in for compiled code this machine cannot run

    # -- before anything runs: what `sam build` made

    def check_build(self, cfn: dict[str, Any] | None = None) -> dict[str, Any]:
        """The built template, transformed by SAM (or `cfn`, already transformed), and its code."""
        template_path = self.build / "template.yaml"
        if not template_path.exists():
            raise DeployCheckError(f"no {template_path}: run `make build` first")
        self.source = Template(load(template_path))
        self.cfn = cfn if cfn is not None else transformed(template_path)
        architecture = self.source.doc["Globals"]["Function"]["Architectures"][0]
        foreign = []
        for name, resource in self.cfn["Resources"].items():
            if resource["Type"] == "AWS::Lambda::Function":
                own = resource["Properties"].get("Architectures", [architecture])[0]
                foreign += foreign_binaries(self.build / name, own)
        foreign += foreign_binaries(self.build / "CommonLayer", architecture)
        if foreign:
            raise DeployCheckError(
                "compiled code Lambda (" + architecture + ") cannot load:\n  " + "\n  ".join(foreign)
            )
        return self.cfn

    # -- moto, the resources, the roles

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.enforcer.install()
        self.enforcer.enforce(False)
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))  # noqa: S310
        setup = boto3.Session("setup", "setup", region_name=REGION)  # not checked while the stage is set
        self.refs = self._resources(setup)
        self.inspector = self._inspector(setup)
        roles = self._roles(setup)
        self._functions(roles)
        self.enforcer.enforce(True)

    def client(self, service: str) -> Any:
        """A client with the check's own credentials (allowed everything)."""
        return self.inspector.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def _resources(self, setup: boto3.Session) -> dict[str, str]:
        class Endpoint:  # create_resources asks a session for clients; these go to the stage's moto
            def client(_, service: str) -> Any:
                return setup.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

        refs = self.source.create_resources(Endpoint(), STACK)
        refs |= {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::StackName": STACK}
        refs |= {name: str(p["Default"]) for name, p in self.source.doc["Parameters"].items()}  # as deployed
        for logical_id, resource in self.cfn["Resources"].items():
            kind = resource["Type"]
            if kind == "AWS::DynamoDB::Table":
                refs[f"{logical_id}.Arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{refs[logical_id]}"
            elif kind == "AWS::SNS::Topic":
                refs[f"{logical_id}.TopicName"] = refs[logical_id].rsplit(":", 1)[-1]
                refs[f"{logical_id}.TopicArn"] = refs[logical_id]
            elif kind == "AWS::Events::Rule":
                refs[f"{logical_id}.Arn"] = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{STACK}-{logical_id}"
            elif kind == "AWS::Logs::LogGroup":
                name = resolve(resource["Properties"]["LogGroupName"], refs)
                refs |= {logical_id: name, f"{logical_id}.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"}
            elif kind == "AWS::ApiGatewayV2::Api":
                refs[logical_id] = "local"
            elif kind == "AWS::Lambda::Function":
                refs.setdefault(f"{logical_id}.Arn", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-{logical_id}")
                refs.setdefault(logical_id, f"{STACK}-{logical_id}")
        for name in self.cfn.get("Conditions", {}):
            refs[f"Condition:{name}"] = "true" if self.source.condition(name, refs) else "false"
        return refs

    def _inspector(self, setup: boto3.Session) -> boto3.Session:
        """The check's own credentials (it reads what the functions did): every action allowed."""
        iam = setup.client("iam", endpoint_url=self.endpoint)
        iam.create_user(UserName="deploy-check")
        admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="deploy-check", PolicyName="all", PolicyDocument=json.dumps(admin))
        key = iam.create_access_key(UserName="deploy-check")["AccessKey"]
        return boto3.Session(key["AccessKeyId"], key["SecretAccessKey"], region_name=REGION)

    def _roles(self, setup: boto3.Session) -> dict[str, dict[str, str]]:
        """Each function's role as SAM's transform writes it, and a session under it."""
        iam, sts = setup.client("iam", endpoint_url=self.endpoint), setup.client("sts", endpoint_url=self.endpoint)
        sessions = {}
        for name, resource in self.cfn["Resources"].items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            role_id = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            role = resolve(self.cfn["Resources"][role_id]["Properties"], self.refs)
            unknown = set(role.get("ManagedPolicyArns", [])) - {BASIC_EXECUTION}
            if unknown:
                raise DeployCheckError(f"{role_id}: managed policies this check does not model: {unknown}")
            arn = iam.create_role(
                RoleName=role_id, AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
            )
            for policy in role.get("Policies", []):
                # IAM takes a document without Version as 2008-10-17 (no policy variables: none here);
                # moto takes only 2012-10-17.
                policy["PolicyDocument"].setdefault("Version", "2012-10-17")
                iam.put_role_policy(
                    RoleName=role_id,
                    PolicyName=policy["PolicyName"],
                    PolicyDocument=json.dumps(policy["PolicyDocument"]),
                )
            session = sts.assume_role(RoleArn=arn["Role"]["Arn"], RoleSessionName=name)
            sessions[name] = session["Credentials"]
        return sessions

    def _functions(self, roles: dict[str, dict[str, str]]) -> None:
        layer = self.build / "CommonLayer" / "python"
        sdk = pip_target(RUNTIME_SDK, WORK / "cache" / RUNTIME_SDK, f"manylinux2014_{os.uname().machine}")
        stand_ins = host_stand_ins(layer)
        if stand_ins:
            self.stand_ins = f"{', '.join(native_distributions(layer))} built for {os.uname().machine} (same version)"
        for name, resource in self.cfn["Resources"].items():
            if resource["Type"] != "AWS::Lambda::Function" or (self.only and name not in self.only):
                continue
            props = {k: resolve(v, self.refs) for k, v in resource["Properties"].items() if k in RUN_PROPERTIES}
            paths: list[Path] = [self.build / name] + ([stand_ins] if stand_ins else []) + [layer, sdk]
            env = lambda_environment(
                self.refs[name],
                {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()},
                int(props.get("MemorySize", 128)),
                roles[name],
                self.endpoint,
                self.extra_env.get(name, {}),
            )
            self.functions[name] = Function(
                name, props["Handler"], paths, env, float(props.get("Timeout", 3)), WORK / "logs" / f"{name}.log"
            )
        began = time.monotonic()
        for function in self.functions.values():
            function.start()
        with ThreadPoolExecutor(len(self.functions)) as pool:
            list(pool.map(Function.ready, self.functions.values()))
        self.cold_start_s = time.monotonic() - began

    def stop(self) -> None:
        for function in self.functions.values():
            function.stop()
        if hasattr(self, "moto"):
            self.moto.stop()
        self.enforcer.enforce(False)
        self.enforcer.uninstall()

    def denied(self) -> list[str]:
        roles = {f"{name}Role" for name in self.functions}
        return sorted(
            {
                f"{v.caller}: {v.action} on {v.resource}"
                for v in self.enforcer.verdicts
                if not v.allowed and v.caller in roles
            }
        )
