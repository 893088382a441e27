"""IAM enforced in moto as AWS enforces it, for the calls Heartbeat makes.

moto checks a caller's policies (with its IAM enforcement on) but judges most services' actions
against Resource "*", so a grant on a table or a topic never matches. Here each request is judged
as IAM does (AWS's service authorization reference): against the resource the action names, each
item of a batch or a transaction as its own action, and actions with no resource type against "*".
Every verdict is recorded; a denied call is answered AccessDenied, as AWS would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMRequest

REGION, ACCOUNT = "us-east-1", "123456789012"  # moto's account

TRANSACT_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# SNS actions that IAM's reference gives no resource type: only Resource "*" grants them.
SNS_NO_RESOURCE = {"GetSubscriptionAttributes", "SetSubscriptionAttributes", "Unsubscribe", "ListSubscriptions"}


@dataclass(frozen=True)
class Verdict:
    caller: str  # the role's name, or the access key for anything else
    action: str  # service:Action
    resource: str
    allowed: bool


class Unjudged(Exception):
    """A call this module does not know the resource of: extend `judged`."""


def _table(name: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def judged(service: str, action: str, body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(IAM action, resource ARN) for each authorization one request needs."""
    if service == "dynamodb":
        if action == "TransactWriteItems":
            for item in body["TransactItems"]:
                [(kind, spec)] = item.items()
                yield f"dynamodb:{TRANSACT_ITEMS[kind]}", _table(spec["TableName"])
        elif action == "TransactGetItems":
            for item in body["TransactItems"]:
                yield "dynamodb:GetItem", _table(item["Get"]["TableName"])
        elif action in ("BatchGetItem", "BatchWriteItem"):
            for table in body["RequestItems"]:
                yield f"dynamodb:{action}", _table(table)
        elif "IndexName" in body:
            yield f"dynamodb:{action}", f"{_table(body['TableName'])}/index/{body['IndexName']}"
        elif "TableName" in body:
            yield f"dynamodb:{action}", _table(body["TableName"])
        else:
            raise Unjudged(f"dynamodb:{action}")
    elif service == "sns":
        if action in SNS_NO_RESOURCE:
            yield f"sns:{action}", "*"
        elif "TopicArn" in body:
            yield f"sns:{action}", body["TopicArn"]
        else:
            raise Unjudged(f"sns:{action}")
    elif service == "ssm" and action in ("GetParameter", "GetParameters"):
        for name in body.get("Names", [body.get("Name")]):
            yield f"ssm:{action}", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}"
    elif service == "secretsmanager" and "SecretId" in body:
        yield f"secretsmanager:{action}", body["SecretId"]  # the code names its secret by ARN
    elif service == "sqs" and "QueueUrl" in body:
        yield f"sqs:{action}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{body['QueueUrl'].rsplit('/', 1)[-1]}"
    elif service == "sts" and action == "GetCallerIdentity":
        yield "sts:GetCallerIdentity", "*"
    else:
        raise Unjudged(f"{service}:{action}")


class Enforcer:
    """Replaces moto's per-request check while installed; `verdicts` holds every judgement."""

    def __init__(self) -> None:
        self.verdicts: list[Verdict] = []
        self.unjudged: list[str] = []
        self.lock = threading.Lock()
        self._original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def install(self) -> None:
        enforcer = self

        def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
            enforcer.authorize(response, iam_request_cls)

        setattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize)  # noqa: B010

    def uninstall(self) -> None:
        setattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", self._original)  # noqa: B010

    @staticmethod
    def enforce(on: bool) -> None:
        """Off while the check sets the stage (its resources, roles and their sessions)."""
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")
        ActionAuthenticatorMixin.request_count = 0

    def authorize(self, response: Any, iam_request_cls: type) -> None:
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            ActionAuthenticatorMixin.request_count += 1
            return
        action = response._get_action()
        headers = response.headers
        service = headers["Authorization"].split("Credential=", 1)[1].split("/")[3]
        body = self._params(response)
        try:
            wanted = list(judged(service, action, body))
        except Unjudged as e:
            if "Security-Token" in str(headers.keys()):  # a function's session, not the check's own key
                with self.lock:
                    self.unjudged.append(str(e))
            wanted = [(f"{service}:{action}", "*")]
        for iam_action, arn in wanted:
            request = IAMRequest(
                account_id=response.current_account,
                method=response.method,
                path=response.raw_path,
                data=response.data,
                body=response.raw_body,
                headers=headers,
                action=iam_action.split(":", 1)[1],
            )
            request.check_signature()
            caller = getattr(request._access_key, "_owner_role_name", None) or headers["Authorization"][:60]
            try:
                request.check_action_permitted(arn)
            except Exception:
                with self.lock:
                    self.verdicts.append(Verdict(caller, iam_action, arn, False))
                raise
            with self.lock:
                self.verdicts.append(Verdict(caller, iam_action, arn, True))

    @staticmethod
    def _params(response: Any) -> dict[str, Any]:
        """The request's parameters: a JSON body (DynamoDB, SSM, Secrets Manager, SQS) or a query."""
        raw = response.raw_body or b""
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        if raw.lstrip().startswith("{"):
            return dict(json.loads(raw))
        return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in response.querystring.items()}
