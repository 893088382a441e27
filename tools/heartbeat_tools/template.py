"""template.yaml as the one source of truth for the local stack and the tests.

Reads the SAM template (with its CloudFormation tags), creates its table, topic and queues in
whatever AWS boto3 points at (moto), resolves the functions' environment and lists the HTTP routes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with the short forms of intrinsic functions (!Ref, !GetAtt, !Sub, ...)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


@dataclass(frozen=True)
class Route:
    method: str  # ANY or an HTTP method
    path: str  # as in the template: /api/v1/monitors/{monitor_id}
    function: str  # logical id
    regex: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        m = self.regex.fullmatch(path)
        return m.groupdict() if m else None


def _path_regex(path: str) -> re.Pattern[str]:
    parts = []
    for segment in re.split(r"(\{[^}]+\})", path):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("".join(parts))


class Template:
    def __init__(self, doc: dict[str, Any] | None = None) -> None:
        self.doc = doc if doc is not None else load()
        self.resources: dict[str, Any] = self.doc["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}

    def parameter_default(self, name: str) -> str:
        return str(self.doc["Parameters"][name]["Default"])

    def functions(self) -> dict[str, Path]:
        """Logical id -> the directory holding its code."""
        return {
            name: ROOT / r["Properties"]["CodeUri"] for name, r in self.of_type("AWS::Serverless::Function").items()
        }

    def routes(self) -> list[Route]:
        routes = []
        for name, fn in self.of_type("AWS::Serverless::Function").items():
            for event in fn["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    p = event["Properties"]
                    routes.append(Route(p["Method"].upper(), p["Path"], name, _path_regex(p["Path"])))
        # As API Gateway does: the most specific route wins (more literal characters first).
        routes.sort(key=lambda r: (-len(re.sub(r"\{[^}]+\}", "", r.path)), r.method == "ANY"))
        return routes

    def throttles(self) -> dict[str, tuple[float, int]]:
        """Route key -> (rate per second, burst), from the HTTP API's route settings, as deployed."""
        api = next(iter(self.of_type("AWS::Serverless::HttpApi").values()))["Properties"]

        def limits(settings: dict[str, Any]) -> tuple[float, int]:
            rate, burst = (self._value(settings[k]) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit"))
            return float(rate), int(burst)

        default = limits(api["DefaultRouteSettings"])
        special = {key: limits(value) for key, value in api.get("RouteSettings", {}).items()}
        return {route.route_key: special.get(route.route_key, default) for route in self.routes()}

    def _value(self, value: Any) -> str:
        """A literal, or a !Ref to a parameter at its default."""
        return self.parameter_default(value["Ref"]) if isinstance(value, dict) and "Ref" in value else str(value)

    def function_env(self, refs: dict[str, str], overrides: dict[str, str] | None = None) -> dict[str, str]:
        """Globals' environment with !Ref resolved: resource refs from `refs`, parameters from defaults."""
        env = {}
        variables = self.doc["Globals"]["Function"]["Environment"]["Variables"]
        for key, value in variables.items():
            if isinstance(value, dict) and "Ref" in value:
                target = value["Ref"]
                if target in refs:
                    value = refs[target]
                elif overrides and target in overrides:
                    value = overrides[target]
                else:
                    value = self.parameter_default(target)
            env[key] = str(value)
        return env

    def create_table(self, dynamodb: Any, logical_id: str, table_name: str) -> None:
        props = self.resources[logical_id]["Properties"]
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        dynamodb.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
            )

    def create_resources(self, session: Any, prefix: str) -> dict[str, str]:
        """Create every table, topic, queue and secret the template declares. Returns logical id -> !Ref value."""
        refs: dict[str, str] = {}
        dynamodb = session.client("dynamodb")
        for logical_id in self.of_type("AWS::DynamoDB::Table"):
            name = f"{prefix}-{logical_id}"
            self.create_table(dynamodb, logical_id, name)
            refs[logical_id] = name
        sns = session.client("sns")
        for logical_id in self.of_type("AWS::SNS::Topic"):
            refs[logical_id] = sns.create_topic(Name=f"{prefix}-{logical_id}")["TopicArn"]
        sqs = session.client("sqs")
        for logical_id in self.of_type("AWS::SQS::Queue"):
            refs[logical_id] = sqs.create_queue(QueueName=f"{prefix}-{logical_id}")["QueueUrl"]
        secrets_manager = session.client("secretsmanager")
        for logical_id in self.of_type("AWS::SecretsManager::Secret"):
            # GenerateSecretString, done here: a random string of the declared length.
            length = self.doc["Resources"][logical_id]["Properties"]["GenerateSecretString"]["PasswordLength"]
            value = secrets.token_urlsafe(length)[:length]
            name = f"{prefix}-{logical_id}"
            refs[logical_id] = secrets_manager.create_secret(Name=name, SecretString=value)["ARN"]
        return refs
