"""A test harness for the real handlers over moto: resources built from template.yaml, requests
routed by the template's own routes as API Gateway would, and a clock the caller controls.

Used by the tests and the benchmarks; never deployed."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import boto3

from heartbeat_local.apigw import http_event, http_response
from heartbeat_local.lambdas import LambdaContext, load_module
from heartbeat_local.template import ROOT, Template

EVENTS = ROOT / "events"
T0 = 1_795_572_000_000  # 2026-11-25T02:00:00Z


def sample_monitor(**changes: Any) -> Any:
    """A monitor that pinged once at T0 (interval 60 s, grace 30 s), for tests and benchmarks that
    need one without going through the API. Keyword arguments override any field."""
    from heartbeat.domain.model import Monitor, Status
    from heartbeat.domain.tokens import monitor_id_for, new_token

    token = changes.pop("token", None) or new_token()
    fields: dict[str, Any] = {
        "id": monitor_id_for(token),
        "token": token,
        "name": "Nightly Backup",
        "type": "HEARTBEAT",
        "interval_s": 60,
        "grace_s": 30,
        "tags": ["infrastructure"],
        "status": Status.UP,
        "created_ms": T0,
        "updated_ms": T0,
        "n_pings": 1,
        "last_ping_ms": T0,
        "last_success_ms": T0,
        "deadline_ms": T0 + 90_000,
    }
    fields.update(changes)
    return Monitor(**fields)


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


class Request(NamedTuple):
    """One request for Stack.at_once."""

    method: str
    path: str
    body: dict | list | None = None
    key: str | None = "admin"


@dataclass
class Clock:
    """Epoch milliseconds the handlers see; starts at the real time and moves only when told."""

    now: int = field(default_factory=lambda: time.time_ns() // 1_000_000)

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * 1000)
        return self.now


_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
_EXPRESSIONS = (
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
)


def refuse_unused_placeholders(params: dict[str, Any], model: Any = None, **_: Any) -> None:
    """Refuse a request whose ExpressionAttributeNames or Values hold a placeholder no expression uses,
    as DynamoDB does (ValidationException) and moto does not: such a write would fail only on AWS."""
    requests = [params, *(w for item in params.get("TransactItems", []) for w in item.values())]
    for request in requests:
        used = {p for name in _EXPRESSIONS for p in _PLACEHOLDER.findall(request.get(name, ""))}
        unused = (
            set(request.get("ExpressionAttributeNames", {})) | set(request.get("ExpressionAttributeValues", {}))
        ) - used
        if unused:
            operation = getattr(model, "name", "a DynamoDB call")
            raise AssertionError(f"{operation}: placeholders {sorted(unused)} unused; DynamoDB would refuse it")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Modules(dict[str, Any]):
    """Function name -> its module, loaded (a cold start) the first time it is asked for: most tests
    use two or three of the functions, and a cold start costs up to a tenth of a second of CPU.
    A module so loaded reads the environment as it is then."""

    def __init__(self, load: Callable[[str], Any]) -> None:
        super().__init__()
        self._load = load

    def __missing__(self, function: str) -> Any:
        self[function] = module = self._load(function)
        return module


class Stack:
    """The functions over moto, called the way API Gateway and EventBridge would."""

    def __init__(self, template: Template, refs: dict[str, str], clock: Clock) -> None:
        self.template = template
        self.refs = refs
        self.clock = clock
        self.routes = template.routes()
        self.modules = Modules(self.load)
        ping = self.modules["PingFunction"]
        self.store = ping.deps.store
        self.dynamodb = ping.deps.store.table.client
        self.sns = boto3.client("sns")
        self.sqs = boto3.client("sqs")
        self.admin_key = self.make_key("admin")
        self.alerts_queue = self._subscribe_queue()
        self._warm: dict[str, list[Any]] = {}  # more instances of each function, for requests at once
        self._atomic = threading.Lock()

    def load(self, function: str) -> Any:
        """Import a function's module afresh (a cold start), reading the environment as it is now."""
        module = load_module(self.template.functions()[function], function)
        # Every function's handler reaches its parts through its `deps` (heartbeat.wiring): time, the table.
        module.deps.now_ms = self.clock
        module.deps.store.table.client.meta.events.register(
            "before-parameter-build.dynamodb", refuse_unused_placeholders
        )
        return module

    def notifier_bridge(self, background: bool) -> Any:
        """A context in which SNS delivers the notifier's subscriptions to its handler here."""
        from heartbeat_local.snslambda import SnsLambdaBridge

        bridge = SnsLambdaBridge(background)
        notifier = self.modules["NotifierFunction"]
        bridge.register(
            self.refs["NotifierFunction.Arn"],
            lambda event: notifier.lambda_handler(event, LambdaContext("NotifierFunction")),
            self.sqs,
            self.refs["AlertsDeadLetterQueue"],
        )
        return bridge.installed()

    def events_bridge(self) -> Any:
        """A context in which EventBridge's default bus delivers the template's rule to the events
        function here (synchronously), as Lambda would: two retries, then its dead-letter queue."""
        from heartbeat_local.eventslambda import EventsLambdaBridge

        bridge = EventsLambdaBridge(background=False)
        events = self.modules["EventsFunction"]
        bridge.register(
            self.refs["EventsFunction.Arn"],
            lambda event: events.lambda_handler(event, LambdaContext("EventsFunction")),
            self.sqs,
            self.refs["EventsDeadLetterQueue"],
        )
        return bridge.installed()

    def put_event(self, event: dict[str, Any]) -> None:
        """PutEvents on the default bus: an AWS service announcing `event` (an EventBridge event as
        delivered: source, detail-type, detail, resources), timed at the clock's now."""
        from datetime import UTC, datetime

        entry = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
            "Resources": event.get("resources", []),
            "Time": datetime.fromtimestamp(self.clock() / 1000, UTC),
        }
        result = boto3.client("events").put_events(Entries=[entry])
        assert result["FailedEntryCount"] == 0, result

    def make_key(self, role: str) -> str:
        return str(self.modules["ApiFunction"].deps.keyring.create(f"test-{role}", role, self.clock())[0])

    def _subscribe_queue(self) -> str:
        url = self.sqs.create_queue(QueueName="test-alerts")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.refs["AlertsTopic"], Protocol="sqs", Endpoint=arn)
        return url

    def alerts(self) -> list[dict[str, Any]]:
        """Alerts delivered through SNS since the last call: the message JSON plus Subject and attributes."""
        out: list[dict[str, Any]] = []
        while True:
            resp = self.sqs.receive_message(QueueUrl=self.alerts_queue, MaxNumberOfMessages=10)
            messages = resp.get("Messages", [])
            if not messages:
                return out
            for m in messages:
                envelope = json.loads(m["Body"])
                doc = json.loads(envelope["Message"])
                doc["_subject"] = envelope.get("Subject")
                doc["_attributes"] = {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()}
                out.append(doc)
                self.sqs.delete_message(QueueUrl=self.alerts_queue, ReceiptHandle=m["ReceiptHandle"])

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict | list | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = "admin",
        edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """`edit` changes the API Gateway event before the handler sees it (what HTTP cannot send)."""
        routed = self._event(method, path, body, headers, key, edit)
        if isinstance(routed, Reply):
            return routed
        function, event = routed
        return self._invoke(self.modules[function], function, event)

    def at_once(self, *requests: Request) -> list[Reply]:
        """The requests, each on a warm instance of its own (as Lambda scales out), released together;
        their answers in order. DynamoDB applies each request atomically, as DynamoDB does (moto alone
        does not isolate one thread's condition and write from another's)."""
        events = []
        for r in requests:
            routed = self._event(r.method, r.path, r.body, None, r.key, None)
            assert not isinstance(routed, Reply), f"no route for {r.method} {r.path}"
            events.append(routed)
        used: dict[str, int] = {}
        instances = []
        for function, _ in events:
            used[function] = used.get(function, 0) + 1
            instances.append(self._instance(function, used[function] - 1))
        barrier = threading.Barrier(len(requests))
        replies: list[Reply | BaseException] = [RuntimeError("not run")] * len(requests)

        def run(i: int) -> None:
            function, event = events[i]
            barrier.wait()
            try:
                replies[i] = self._invoke(instances[i], function, event)
            except BaseException as e:  # a handler that raises: API Gateway's 500, reported by the caller
                replies[i] = e

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
        return replies  # type: ignore[return-value]

    def _instance(self, function: str, i: int) -> Any:
        warm = self._warm.setdefault(function, [])
        while len(warm) <= i:
            module = self.load(function)
            client_events = module.deps.store.table.client.meta.events
            # (A before-call handler that returns a value replaces the call: this one returns None.)
            client_events.register("before-call.dynamodb", lambda **_: self._atomic.acquire() and None)
            client_events.register("after-call.dynamodb", lambda **_: self._atomic.release())
            client_events.register("after-call-error.dynamodb", lambda **_: self._atomic.release())
            warm.append(module)
        return warm[i]

    def _event(
        self,
        method: str,
        path: str,
        body: bytes | str | dict | list | None,
        headers: dict[str, str] | None,
        key: str | None,
        edit: Callable[[dict[str, Any]], None] | None,
    ) -> tuple[str, dict[str, Any]] | Reply:
        """The function a request goes to and its API Gateway event, or API Gateway's own 404."""
        all_headers = dict(headers or {})
        if key == "admin":
            all_headers.setdefault("x-api-key", self.admin_key)
        elif key:
            all_headers.setdefault("x-api-key", key)
        if isinstance(body, dict | list):
            body = json.dumps(body)
            all_headers.setdefault("content-type", "application/json")
        raw = body.encode() if isinstance(body, str) else (body or b"")
        path_only, _, query = path.partition("?")
        for route in self.routes:
            params = route.match(method, path_only)
            if params is not None:
                break
        else:
            return Reply(404, {}, b'{"message":"Not Found"}')  # API Gateway's own answer
        event = http_event(
            route, params, method, path_only, query, all_headers.items(), raw, "198.51.100.7", "api.example.com"
        )
        event["headers"]["x-forwarded-proto"] = "https"
        if edit:
            edit(event)
        return route.function, event

    def _invoke(self, module: Any, function: str, event: dict[str, Any]) -> Reply:
        result = module.lambda_handler(event, LambdaContext(function))
        status, hdrs, payload = http_response(result)
        return Reply(status, {k.lower(): v for k, v in hdrs}, payload)

    def ping(self, token: str, suffix: str = "", method: str = "GET", body: bytes | str | None = None) -> Reply:
        return self.request(method, f"/api/v1/heartbeat/{token}{suffix}", body=body, key=None)

    def sweep(self) -> dict[str, Any]:
        event = load_event("sweeper-scheduled")
        return self.modules["SweeperFunction"].lambda_handler(event, LambdaContext("SweeperFunction"))

    def create_monitor(
        self,
        name: str = "Nightly Backup",
        interval: int = 60,
        grace: int = 30,
        config_extra: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict:
        config = {"expectedInterval": interval, "gracePeriod": grace, **(config_extra or {})}
        body = {"name": name, "type": "HEARTBEAT", "config": config, **extra}
        reply = self.request("POST", "/api/v1/monitors", body)
        assert reply.status == 201, reply.body
        monitor = reply.json()
        monitor["token"] = monitor["pingUrl"].rsplit("/", 1)[-1]
        return monitor

    def monitor(self, monitor_id: str) -> dict:
        reply = self.request("GET", f"/api/v1/monitors/{monitor_id}")
        assert reply.status == 200, reply.body
        return reply.json()

    def incidents(self, monitor_id: str) -> list[dict]:
        return self.request("GET", f"/api/v1/monitors/{monitor_id}/incidents").json()["items"]

    @contextlib.contextmanager
    def captured_logs(self) -> Iterator[io.StringIO]:
        """Every logger of ours at DEBUG, into one buffer (botocore's own DEBUG output is off in Lambda)."""
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        loggers = [self.modules[name].logger for name in self.template.functions()] + [logging.getLogger("heartbeat")]
        for logger in loggers:
            logger.setLevel("DEBUG")
            logger.addHandler(handler)
        try:
            yield buffer
        finally:
            for logger in loggers:
                logger.removeHandler(handler)

    def count_calls(self, *functions: str) -> list[str]:
        """Record the DynamoDB operations the handlers (or these functions') make from now on
        (botocore's own events)."""
        calls: list[str] = []
        for name in functions or self.template.functions():
            self.modules[name].deps.store.table.client.meta.events.register(
                "before-call.dynamodb", lambda model, **_: calls.append(model.name)
            )
        return calls


class HandlerApi:
    """The CLI's API client (`heartbeat_cli.Api`), answered by the handler in-process instead
    of over HTTP: lets tests and benchmarks drive CLI commands against a Stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.requests = 0

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        from urllib.parse import urlencode

        import heartbeat_cli as cli

        self.requests += 1
        given = {k: v for k, v in (query or {}).items() if v is not None}  # as the HTTP client sends it
        reply = self.stack.request(method, path + ("?" + urlencode(given, doseq=True) if given else ""), body)
        if reply.status >= 400:
            raise cli.ApiError(reply.status, reply.body)
        return reply.json() if reply.body else None
