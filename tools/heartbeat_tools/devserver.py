"""`make dev`: the whole stack in one process, no Docker.

moto's server plays AWS (resources created from template.yaml's own definitions), an HTTP front
turns requests into API Gateway HTTP API events for the routes template.yaml declares and calls the
real handlers, the sweeper runs on a timer, and alerts print here (and optionally POST to a webhook).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import faulthandler
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from heartbeat_tools.apigw import http_event, http_response
from heartbeat_tools.lambdas import LocalFunction
from heartbeat_tools.template import ROOT, Route, Template
from heartbeat_tools.throttle import Throttle

PREFIX = "heartbeat-local"
REGION = "us-east-1"
NOT_FOUND = (404, [("content-type", "application/json")], b'{"message":"Not Found"}')
INTERNAL_ERROR = (500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')
TOO_MANY = (429, [("content-type", "application/json")], b'{"message":"Too Many Requests"}')  # API Gateway's own
BAD_REQUEST = (400, [("content-type", "application/json")], b'{"message":"Bad Request"}')
TOO_LARGE = (413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')
SAVE_SECONDS = 15  # how often changed state is saved, at most (and always on exit)
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's limit on a request body
MAX_EVENT_BYTES = 6 * 1024 * 1024  # Lambda's on a synchronous event (a body, base64'd, in JSON)


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes a burst of clients time out connecting


def say(message: str) -> None:
    print(message, flush=True)


# ---- state that survives a restart -------------------------------------------------------------


def _bytes_to_json(value: bytes) -> dict[str, str]:
    return {"__bytes__": base64.b64encode(value).decode()}


def _bytes_from_json(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__bytes__"]) if set(value) == {"__bytes__"} else value


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of a local table, as boto3 returns them, read from moto's memory.

    Not a Scan: moto's server serializes a response attribute by attribute in pure Python (3.5 ms an
    item measured), so a table grown to 50,000 ping events took minutes to save, holding the
    interpreter while the pings waited. Each list() copies in C, in one step, so writes made
    meanwhile by the server's threads cannot break the loop.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    stored = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table)
    return [
        {name: _boto3_value(value) for name, value in list(item.attrs.items())}
        for by_sort_key in list(stored.items.values())
        for item in list(by_sort_key.values())
    ]


def _boto3_value(value: Any) -> dict[str, Any]:
    """A moto attribute value in boto3's shape (the test of the saved state pins that they agree)."""
    kind, raw = value.type, value.value
    if kind == "M":
        return {"M": {k: _boto3_value(v) for k, v in list(raw.items())}}
    if kind == "L":
        return {"L": [_boto3_value(v) for v in list(raw)]}
    return {kind: list(raw) if isinstance(raw, list) else raw}  # sets are lists in both


def save_table(table: str, path: Path) -> int:
    items = table_items(table)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(items, default=_bytes_to_json))
    tmp.replace(path)  # atomic: a crash mid-save leaves the previous state intact
    return len(items)


def load_table(dynamodb: Any, table: str, path: Path) -> int:
    if not path.exists():
        return 0
    items = json.loads(path.read_text(), object_hook=_bytes_from_json)
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(items)


# ---- the stack ---------------------------------------------------------------------------------


class LocalStack:
    def __init__(
        self,
        port: int,
        sweep_seconds: float,
        state_dir: Path,
        webhook: str | None,
        admin_key: str | None,
        detection: str = "minute",
    ):
        self.port = port
        # Detection=seconds is the template's: one run a minute that sweeps each second. Otherwise
        # a sweep every `sweep_seconds` (5 by default: a quicker minute, to try alerts locally).
        self.detection = detection
        self.sweep_seconds = 60.0 if detection == "seconds" else sweep_seconds
        self.state_dir = state_dir
        self.webhook = webhook
        self.admin_key = admin_key
        self.stopping = threading.Event()
        self.dirty = threading.Event()
        self.threads: list[threading.Thread] = []
        self.exits = contextlib.ExitStack()

    # -- start

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, moto_port = self.moto.get_host_and_port()
        self.aws_endpoint = f"http://{host}:{moto_port}"
        os.environ.update(
            AWS_ENDPOINT_URL=f"http://{host}:{moto_port}",
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto takes any credentials
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
        )
        import boto3

        self.session = boto3.Session(region_name=REGION)
        template = Template()
        refs = template.create_resources(self.session, PREFIX) | {"Detection": self.detection}
        os.environ.update(template.function_env(refs))
        # Bound now, served later: the port is known before the functions read the public URL.
        self.http = FrontServer(("127.0.0.1", self.port), self._request_handler())
        self.port = self.http.server_address[1]
        # As the deployed stack does: its own URL in the SSM parameter, for $INCIDENT_URL in alerts.
        self.session.client("ssm").put_parameter(
            Name=refs["PublicUrlParameter"], Value=f"http://127.0.0.1:{self.port}", Type="String", Overwrite=True
        )
        os.environ["ALLOW_HTTP_TARGETS"] = "1"  # chat targets may be http://localhost here
        # The handlers' INFO logs (every sweep) would drown the console; HEARTBEAT_LOG_LEVEL=INFO shows them.
        os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("HEARTBEAT_LOG_LEVEL", "WARNING")
        # moto applies a transaction by copying its tables, which concurrent writes can break: one
        # sweeper thread locally (DynamoDB itself has no such limit).
        os.environ["SWEEP_WORKERS"] = "1"
        os.environ["APPLY_WORKERS"] = "1"
        self.table = refs["Table"]
        self.topic_arn = refs["AlertsTopic"]
        self.key_secret_arn = refs["ApiKeySecret"]
        self.dynamodb = self.session.client("dynamodb")

        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_file = self.state_dir / "table.json"
        self.restored = load_table(self.dynamodb, self.table, self.state_file)
        self.admin_key = self._ensure_admin_key()

        self.functions = {
            name: LocalFunction(name, path, timeout_s=template.function_timeout(name, refs))
            for name, path in template.functions().items()
        }
        self.routes = template.routes()
        self.throttle = Throttle(template.throttles())  # as API Gateway would: 429 past a route's limit
        self._start_notifier(refs)
        self._start_events(refs)
        self._subscribe_console()
        if self.webhook:
            scheme = urlsplit(self.webhook).scheme
            self.session.client("sns").subscribe(TopicArn=self.topic_arn, Protocol=scheme, Endpoint=self.webhook)

        self._spawn(self.http.serve_forever)
        self._spawn(self._sweep_loop)
        self._spawn(self._console_loop)
        self._spawn(self._save_loop)

    def _spawn(self, target: Any) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _ensure_admin_key(self) -> str:
        """The admin key from the state directory (or --admin-key), made if missing. The hashing
        secret is kept there too: keys made in one run must still work in the next."""
        from heartbeat.adapters.secrets import secret_from
        from heartbeat.domain.tokens import new_api_key
        from heartbeat.store import Store
        from heartbeat.usecases.keys import KeyRing

        secrets_manager = self.session.client("secretsmanager")
        secret_file = self.state_dir / "api-key-secret"
        if secret_file.exists() and self.restored:
            secrets_manager.put_secret_value(SecretId=self.key_secret_arn, SecretString=secret_file.read_text().strip())
        else:
            secret_file.write_text(
                secrets_manager.get_secret_value(SecretId=self.key_secret_arn)["SecretString"] + "\n"
            )
            secret_file.chmod(0o600)
        keyring = KeyRing(Store.open(self.dynamodb, self.table), secret_from(secrets_manager, self.key_secret_arn))
        key_file = self.state_dir / "admin-key"
        key = self.admin_key or (key_file.read_text().strip() if key_file.exists() and self.restored else None)
        if key is None or not keyring.is_valid(key):
            key = key or new_api_key()
            keyring.add(key, "local admin", "admin", int(time.time() * 1000))
        if not self.admin_key:
            key_file.write_text(key + "\n")
            key_file.chmod(0o600)
        return key

    def _start_notifier(self, refs: dict[str, str]) -> None:
        """SNS invokes the notifier here as Lambda would (in the background), and the console says
        what it delivered."""
        from heartbeat_tools.snslambda import SnsLambdaBridge

        notifier = self.functions["NotifierFunction"]

        def invoke(event: dict[str, Any]) -> None:
            result = notifier.invoke(event)
            delivered, failed = result["delivered"], result["deadLettered"]
            if delivered or failed:
                more = f", {failed} failed (see: heartbeat alerts failed)" if failed else ""
                say(f"NOTIFIER delivered to {delivered} target(s){more}")

        bridge = SnsLambdaBridge(background=True)
        bridge.register(refs["NotifierFunction.Arn"], invoke, self.session.client("sqs"), refs["AlertsDeadLetterQueue"])
        self.exits.enter_context(bridge.installed())

    def _start_events(self, refs: dict[str, str]) -> None:
        """PutEvents on this stack's default bus reaches the events function through the rule
        template.yaml declares (moto matches its pattern), as EventBridge invokes it: in the background."""
        from heartbeat_tools.eventslambda import EventsLambdaBridge

        events = self.functions["EventsFunction"]

        def invoke(event: dict[str, Any]) -> None:
            outcome = events.invoke(event)
            if outcome["pinged"]:
                say(f"EVENT {event.get('detail-type')}: {outcome['kind']} for {len(outcome['pinged'])} monitor(s)")
            self.dirty.set()

        bridge = EventsLambdaBridge(background=True)
        bridge.register(refs["EventsFunction.Arn"], invoke, self.session.client("sqs"), refs["EventsDeadLetterQueue"])
        self.exits.enter_context(bridge.installed())

    def _subscribe_console(self) -> None:
        sqs = self.session.client("sqs")
        self.console_queue = sqs.create_queue(QueueName=f"{PREFIX}-console")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.console_queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.session.client("sns").subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn)

    # -- loops

    def _sweep_loop(self) -> None:
        # At a fixed rate, as EventBridge schedules: a slow sweep does not push the next one back.
        # A looping run (seconds detection) lasts past the next one's start, as deployed: each run
        # is its own invocation, and they overlap.
        looping = self.detection == "seconds"
        next_at = time.monotonic() + (0 if looping else self.sweep_seconds)
        while not self.stopping.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.sweep_seconds
            if looping:
                threading.Thread(target=self._sweep_once, daemon=True).start()
            else:
                self._sweep_once()

    def _sweep_once(self) -> None:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:123456789012:rule/{PREFIX}-sweep"],
            "detail": {},
        }
        try:
            report = self.functions["SweeperFunction"].invoke(event)
        except Exception:  # the next sweep retries; show why this one failed
            traceback.print_exc()
            return
        if report.get("due"):
            self.dirty.set()

    def _console_loop(self) -> None:
        sqs = self.session.client("sqs")
        while not self.stopping.is_set():
            try:
                resp = sqs.receive_message(QueueUrl=self.console_queue, WaitTimeSeconds=1, MaxNumberOfMessages=10)
            except Exception:
                if self.stopping.is_set():
                    return
                raise
            for message in resp.get("Messages", []):
                envelope = json.loads(message["Body"])
                say(f"ALERT {envelope.get('Subject')}  {envelope.get('Message')}")
                sqs.delete_message(QueueUrl=self.console_queue, ReceiptHandle=message["ReceiptHandle"])

    def _save_loop(self) -> None:
        # A save holds the interpreter while it copies the table: a big table is saved less often,
        # so that saving never takes more than a tenth of the stack's time.
        interval: float = SAVE_SECONDS
        while not self.stopping.wait(interval):
            if self.dirty.is_set():
                self.dirty.clear()
                began = time.monotonic()
                save_table(self.table, self.state_file)
                interval = max(SAVE_SECONDS, 10 * (time.monotonic() - began))

    # -- HTTP front

    def dispatch(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str
    ) -> tuple[tuple[int, list[tuple[str, str]], bytes], Route | None]:
        parts = urlsplit(target)
        for route in self.routes:
            params = route.match(method, parts.path)
            if params is not None:
                break
        else:
            return NOT_FOUND, None
        if not self.throttle.allows(route.route_key):
            return TOO_MANY, route
        event = http_event(
            route, params, method, parts.path, parts.query, headers, body, client_ip, f"127.0.0.1:{self.port}"
        )
        if len(json.dumps(event)) > MAX_EVENT_BYTES:
            return TOO_LARGE, route  # Lambda refuses the invocation; the function never runs
        try:
            result = self.functions[route.function].invoke(event)
        except Exception:
            traceback.print_exc()
            return INTERNAL_ERROR, route
        finally:
            self.dirty.set()
        return http_response(result), route

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                declared = self.headers.get("content-length", "0")
                length = int(declared) if declared.isdigit() else -1
                if not 0 <= length <= MAX_REQUEST_BYTES:
                    # Refused unread, as API Gateway does: nothing reaches a function.
                    self.close_connection = True
                    (status, headers, payload), route = (BAD_REQUEST if length < 0 else TOO_LARGE), None
                else:
                    body = self.rfile.read(length) if length else b""
                    (status, headers, payload), route = stack.dispatch(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                self.send_response(status)
                for name, value in headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                # The path may hold a ping token (a secret): log the route, not the path.
                say(f"{self.command} {route.path if route else '(no route)'} -> {status}")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    # -- stop

    def stop(self) -> None:
        self.stopping.set()
        self.http.shutdown()
        for thread in self.threads:
            thread.join(timeout=5)
        self.exits.close()
        count = save_table(self.table, self.state_file)
        self.moto.stop()
        shown = self.state_file.relative_to(ROOT) if self.state_file.is_relative_to(ROOT) else self.state_file
        say(f"Stopped. {count} items saved to {shown}.")


STOP_SECONDS = 20


def banner(stack: LocalStack) -> str:
    url = f"http://127.0.0.1:{stack.port}"
    webhook = f", and POSTed to {stack.webhook}" if stack.webhook else ""
    restored = f" ({stack.restored} items restored)" if stack.restored else ""
    if stack.detection == "seconds":
        sweeps = "Detection=seconds: every second (one looping run a minute, as deployed)"
    else:
        sweeps = f"every {stack.sweep_seconds:g} s (HEARTBEAT_DETECTION=seconds: every second, as deployed)"
    return f"""
Heartbeat local stack ready on {url}
  admin API key   {stack.admin_key}
  sweeper         {sweeps}; alerts print here{webhook}
  state           {stack.state_dir}{restored}  (make dev FRESH=1 starts empty)
  AWS endpoint    {stack.aws_endpoint}  (aws ... --endpoint-url: events put-events reaches the events function)

Try it from another terminal:
  export HEARTBEAT_API_URL={url} HEARTBEAT_API_KEY={stack.admin_key}
  .venv/bin/heartbeat monitors create --name "Nightly Backup" --type HEARTBEAT \\
      --expected-interval 86400 --grace-period 3600
  curl -fsS --retry 3 -o /dev/null <the pingUrl it prints>          # the job's heartbeat
  .venv/bin/heartbeat monitors list
  .venv/bin/heartbeat apply -f examples/heartbeat.yml --dry-run   # monitors as code
  curl -s -H "X-Api-Key: $HEARTBEAT_API_KEY" {url}/api/v1/monitors
  API reference: {url}/api/v1/docs
  Healthchecks' tools: API {url}/api/ (v1, v2, v3), pings {url}/ping/ (a 32-character key:
      .venv/bin/heartbeat keys create --name hc --role admin --form healthchecks)
Ctrl-C stops (state is saved).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="heartbeat-dev", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("HEARTBEAT_PORT", "3000")))
    parser.add_argument("--sweep-seconds", type=float, default=float(os.environ.get("HEARTBEAT_SWEEP_SECONDS", "5")))
    parser.add_argument(
        "--detection",
        choices=["minute", "seconds"],
        default=os.environ.get("HEARTBEAT_DETECTION", "minute"),
        help="the template's Detection: seconds sweeps every second, in one looping run a minute",
    )
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("HEARTBEAT_STATE_DIR", ROOT / ".heartbeat"))
    )
    parser.add_argument("--fresh", action="store_true", help="start with empty state")
    args = parser.parse_args(argv)
    if args.sweep_seconds <= 0:
        parser.error("--sweep-seconds must be positive")
    if args.detection not in ("minute", "seconds"):
        parser.error(f"HEARTBEAT_DETECTION must be minute or seconds, not {args.detection!r}")

    if args.fresh:
        for name in ("table.json", "admin-key"):
            with contextlib.suppress(FileNotFoundError):
                (args.state_dir / name).unlink()
    stack = LocalStack(
        port=args.port,
        sweep_seconds=args.sweep_seconds,
        state_dir=args.state_dir,
        webhook=os.environ.get("HEARTBEAT_LOCAL_WEBHOOK") or None,
        admin_key=os.environ.get("HEARTBEAT_ADMIN_KEY") or None,
        detection=args.detection,
    )
    try:
        stack.start()
    except OSError as e:
        say(f"Cannot start: {e}. Is another `make dev` running? Set HEARTBEAT_PORT to use another port.")
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    say(banner(stack))
    stop.wait()
    say("Stopping...")
    # Never hang on exit: should stopping stall, show where every thread is, then end anyway.
    faulthandler.dump_traceback_later(STOP_SECONDS, exit=True)
    stack.stop()
    faulthandler.cancel_dump_traceback_later()
    # State is saved: end now, rather than wait at exit for a worker thread (a notifier still
    # retrying a target, a client holding a connection open) that would never matter again.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
