"""template.yaml as the one source of truth for the local stack and the tests.

Reads the SAM template (with its CloudFormation tags), creates its table, topic and queues in
whatever AWS boto3 points at (moto), resolves the functions' environment and lists the HTTP routes.
"""

from __future__ import annotations

import json
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
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
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


DEFAULT_ROUTE = "$default"  # API Gateway's catch-all route: its route key is just this


@dataclass(frozen=True)
class Route:
    method: str  # ANY or an HTTP method
    path: str  # as in the template: /api/v1/monitors/{monitor_id}
    function: str  # logical id
    regex: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        m = self.regex.fullmatch(path)
        return m.groupdict() if m else None


def _path_regex(path: str) -> re.Pattern[str]:
    if path == DEFAULT_ROUTE:
        return re.compile(".*")  # every request no other route takes
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

    def function_timeout(self, name: str, refs: dict[str, str]) -> float:
        """A function's Timeout in seconds (its own, else Globals'), conditions evaluated on `refs`."""
        own = self.resources[name]["Properties"].get("Timeout")
        value = own if own is not None else self.doc["Globals"]["Function"].get("Timeout", 3)
        return float(self._resolve(value, refs))

    def routes(self) -> list[Route]:
        routes = []
        for name, fn in self.of_type("AWS::Serverless::Function").items():
            for event in fn["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    p = event["Properties"]
                    routes.append(Route(p["Method"].upper(), p["Path"], name, _path_regex(p["Path"])))
        # As API Gateway does: the most specific route wins (a greedy {proxy+} after every other, then more
        # literal characters first), and `$default` only when none matches.
        routes.sort(
            key=lambda r: (
                r.path == DEFAULT_ROUTE,
                "+}" in r.path,
                -len(re.sub(r"\{[^}]+\}", "", r.path)),
                r.method == "ANY",
            )
        )
        return routes

    def event_rules(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Rule name -> (the function it targets, its EventPattern), for each EventBridgeRule event
        on the default bus, named as SAM names the rule (function id + event name)."""
        rules = {}
        for name, fn in self.of_type("AWS::Serverless::Function").items():
            for event_name, event in fn["Properties"].get("Events", {}).items():
                if event["Type"] == "EventBridgeRule":
                    rules[f"{name}{event_name}"] = (name, event["Properties"]["Pattern"])
        return rules

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
        """The environment the functions share here (they run in one process): Globals' and each
        function's own, but its service name, with !Ref and !GetAtt resolved from `refs`
        (resources), `overrides` and parameter defaults."""
        variables = dict(self.doc["Globals"]["Function"]["Environment"]["Variables"])
        for fn in self.of_type("AWS::Serverless::Function").values():
            own = fn["Properties"].get("Environment", {}).get("Variables", {})
            variables.update({k: v for k, v in own.items() if k != "POWERTOOLS_SERVICE_NAME"})
        return {key: str(self._resolve(value, {**(overrides or {}), **refs})) for key, value in variables.items()}

    def _resolve(self, value: Any, refs: dict[str, str]) -> Any:
        """!Ref, !GetAtt, !Sub and !If (in lists and maps too): resources and pseudo parameters from
        `refs`, parameters at their defaults, conditions evaluated on those."""
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return refs[".".join(value["Fn::GetAtt"])]
        if isinstance(value, dict) and "Ref" in value:
            return refs.get(value["Ref"]) or self.parameter_default(value["Ref"])
        if isinstance(value, dict) and "Fn::Sub" in value:
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._resolve(self._name(m[1]), refs)), value["Fn::Sub"])
        if isinstance(value, dict) and "Fn::If" in value:
            name, then, otherwise = value["Fn::If"]
            return self._resolve(then if self.condition(name, refs) else otherwise, refs)
        if isinstance(value, dict):
            return {k: self._resolve(v, refs) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, refs) for v in value]
        return value

    @staticmethod
    def _name(name: str) -> dict[str, Any]:
        """A name in !Sub: `Res.Attr` is a !GetAtt, anything else a !Ref."""
        return {"Fn::GetAtt": name.split(".", 1)} if "." in name else {"Ref": name}

    def condition(self, name: str, refs: dict[str, str]) -> bool:
        """A template condition, with parameters at their defaults."""

        def holds(c: Any) -> bool:
            if "Condition" in c:
                return holds(self.doc["Conditions"][c["Condition"]])
            if "Fn::Not" in c:
                return not holds(c["Fn::Not"][0])
            if "Fn::And" in c:
                return all(holds(x) for x in c["Fn::And"])
            if "Fn::Or" in c:
                return any(holds(x) for x in c["Fn::Or"])
            left, right = (str(self._resolve(x, refs)) for x in c["Fn::Equals"])
            return left == right

        return holds(self.doc["Conditions"][name])

    def create_table(self, dynamodb: Any, logical_id: str, table_name: str) -> None:
        props = self.resources[logical_id]["Properties"]
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            # Pre-warming (WarmThroughput) is capacity, which an emulator has no use for.
            kwargs["GlobalSecondaryIndexes"] = [
                {k: v for k, v in index.items() if k != "WarmThroughput"} for index in props["GlobalSecondaryIndexes"]
            ]
        dynamodb.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
            )

    def create_resources(self, session: Any, prefix: str) -> dict[str, str]:
        """Create every table, topic, queue, secret and SSM parameter the template declares.
        Returns logical id -> !Ref value (and `Id.Attr` -> !GetAtt, and the pseudo parameters)."""
        dynamodb = session.client("dynamodb")
        region, account = dynamodb.meta.region_name, "123456789012"  # moto's account
        refs: dict[str, str] = {
            "AWS::StackName": prefix,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        for logical_id in self.of_type("AWS::Serverless::HttpApi"):
            refs[logical_id] = "local"  # the API id in execute-api URLs
        for logical_id in self.of_type("AWS::DynamoDB::Table"):
            name = f"{prefix}-{logical_id}"
            self.create_table(dynamodb, logical_id, name)
            refs[logical_id] = name
        sns = session.client("sns")
        for logical_id in self.of_type("AWS::SNS::Topic"):
            refs[logical_id] = sns.create_topic(Name=f"{prefix}-{logical_id}")["TopicArn"]
        sqs = session.client("sqs")
        for logical_id in self.of_type("AWS::SQS::Queue"):
            url = sqs.create_queue(QueueName=f"{prefix}-{logical_id}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            refs |= {logical_id: url, f"{logical_id}.Arn": arn, f"{logical_id}.QueueName": arn.rsplit(":", 1)[-1]}
        for logical_id in self.of_type("AWS::Serverless::Function"):
            # The ARN a subscription names; the local stack runs the function itself (snslambda).
            refs[f"{logical_id}.Arn"] = f"arn:aws:lambda:{region}:{account}:function:{prefix}-{logical_id}"
        events = session.client("events")
        for rule, (function, pattern) in self.event_rules().items():
            # The rule as deployed; moto matches its pattern, and the events bridge runs the target.
            events.put_rule(Name=f"{prefix}-{rule}", EventPattern=json.dumps(pattern), State="ENABLED")
            target = {"Id": function, "Arn": refs[f"{function}.Arn"]}
            events.put_targets(Rule=f"{prefix}-{rule}", Targets=[target])
        for props in (r["Properties"] for r in self.of_type("AWS::SNS::Subscription").values()):
            p = self._resolve(props, refs)
            attributes = {"RedrivePolicy": json.dumps(p["RedrivePolicy"])} if "RedrivePolicy" in p else {}
            sns.subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"], Attributes=attributes)
        secrets_manager = session.client("secretsmanager")
        for logical_id in self.of_type("AWS::SecretsManager::Secret"):
            # GenerateSecretString, done here: a random string of the declared length.
            length = self.doc["Resources"][logical_id]["Properties"]["GenerateSecretString"]["PasswordLength"]
            value = secrets.token_urlsafe(length)[:length]
            name = f"{prefix}-{logical_id}"
            refs[logical_id] = secrets_manager.create_secret(Name=name, SecretString=value)["ARN"]
        ssm = session.client("ssm")
        for logical_id, resource in self.of_type("AWS::SSM::Parameter").items():
            p = self._resolve(resource["Properties"], refs)
            ssm.put_parameter(Name=p["Name"], Value=p["Value"], Type=p["Type"], Overwrite=True)
            refs |= {logical_id: p["Name"], f"{logical_id}.Value": p["Value"]}
        return refs
