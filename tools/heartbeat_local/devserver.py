"""`make dev`: the whole stack in one process, no Docker.

moto's server plays AWS (resources created from template.yaml's own definitions), an HTTP front
turns requests into API Gateway HTTP API events for the routes template.yaml declares and calls the
real handlers, the sweeper runs on a timer, and alerts print here (and optionally POST to a webhook).
"""

from __future__ import annotations

import argparse
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

from heartbeat_local.apigw import http_event, http_response
from heartbeat_local.lambdas import LocalFunction
from heartbeat_local.localstate import (
    REGION,
    Saved,
    StateDir,
    StateError,
    letters_json,
    put_items,
    queue_letters,
    save_table,
    send_letters,
    write_private,
)
from heartbeat_local.template import ROOT, Route, Template
from heartbeat_local.throttle import Throttle

PREFIX = "heartbeat-local"
NOT_FOUND = (404, [("content-type", "application/json")], b'{"message":"Not Found"}')
INTERNAL_ERROR = (500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')
TOO_MANY = (429, [("content-type", "application/json")], b'{"message":"Too Many Requests"}')  # API Gateway's own
BAD_REQUEST = (400, [("content-type", "application/json")], b'{"message":"Bad Request"}')
TOO_LARGE = (413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')
UNAVAILABLE = (503, [("content-type", "application/json")], b'{"message":"Service Unavailable"}')
SAVE_SECONDS = 1  # how often changed state is saved, at most (and always on exit)
STOP_WAIT_SECONDS = 5  # for requests and loops under way when stopping, before the last save
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's limit on a request body
MAX_EVENT_BYTES = 6 * 1024 * 1024  # Lambda's on a synchronous event (a body, base64'd, in JSON)


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes a burst of clients time out connecting


class InFlight:
    """The requests being served; once closed, no more are taken. Stopping waits for the last one
    before the final save, so a write answered 200 is a write saved."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0
        self._closed = False

    def enter(self) -> bool:
        with self._changed:
            if self._closed:
                return False
            self._count += 1
            return True

    def leave(self) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def close(self, timeout: float) -> None:
        with self._changed:
            self._closed = True
            self._changed.wait_for(lambda: self._count == 0, timeout)


def say(message: str) -> None:
    with contextlib.suppress(OSError):  # a terminal closed (SIGHUP) must not stop the last save
        print(message, flush=True)


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
        self.state = StateDir(state_dir)
        self.webhook = webhook
        self.admin_key: str | None = admin_key
        self.admin_key_given = admin_key is not None
        self.stopping = threading.Event()
        self.dirty = threading.Event()
        self.requests = InFlight()
        self.saving = threading.Lock()  # the save loop's and the last one, never both at once
        self.threads: list[threading.Thread] = []
        self.exits = contextlib.ExitStack()

    # -- start

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        saved = self.state.read()  # before anything starts: a file it cannot use stops it here
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

        self.restored = put_items(self.dynamodb, self.table, saved.items, self.state.table)
        queues = list(template.of_type("AWS::SQS::Queue"))
        self.queues = {q: refs[f"{q}.QueueName"] for q in queues}
        self.restored_letters = send_letters(self.session.client("sqs"), {q: refs[q] for q in queues}, saved.letters)
        self.letters_saved = letters_json(queue_letters(self.queues))
        self.admin_key = self._ensure_admin_key(saved)

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

        self.dirty.set()  # the first save within a second: the key made, the items restored
        self._spawn(self.http.serve_forever)
        self._spawn(self._sweep_loop)
        self._spawn(self._console_loop)
        self._spawn(self._save_loop)

    def _spawn(self, target: Any) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _ensure_admin_key(self, saved: Saved) -> str | None:
        """The hashing secret as saved (keys made in one run must work in the next), and the admin
        key (HEARTBEAT_ADMIN_KEY, or the one kept in the state directory). A key is made only for a
        state with no admin key at all, the first start: a revoked local admin key stays revoked.
        None when the state's admin keys are all the user's own."""
        from heartbeat.adapters.secrets import secret_from
        from heartbeat.domain.tokens import new_api_key
        from heartbeat.store import Store
        from heartbeat.usecases.keys import KeyRing

        secrets_manager = self.session.client("secretsmanager")
        if saved.key_secret:
            secrets_manager.put_secret_value(SecretId=self.key_secret_arn, SecretString=saved.key_secret)
        else:
            self.state.save_secret(secrets_manager.get_secret_value(SecretId=self.key_secret_arn)["SecretString"])
        keyring = KeyRing(Store.open(self.dynamodb, self.table), secret_from(secrets_manager, self.key_secret_arn))
        key = self.admin_key or saved.admin_key
        if any(k.role == "admin" for k in keyring.list()):
            return key if key and keyring.is_valid(key) else None
        key = key or new_api_key()
        keyring.add(key, "local admin", "admin", int(time.time() * 1000))
        if not self.admin_key_given:
            self.state.save_admin_key(key)
        return key

    def _start_notifier(self, refs: dict[str, str]) -> None:
        """SNS invokes the notifier here as Lambda would (in the background), and the console says
        what it delivered."""
        from heartbeat_local.snslambda import SnsLambdaBridge

        notifier = self.functions["NotifierFunction"]

        def invoke(event: dict[str, Any]) -> None:
            try:
                result = notifier.invoke(event)
            finally:
                self.dirty.set()
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
        from heartbeat_local.eventslambda import EventsLambdaBridge

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
        # Each second while anything changes. A save holds the interpreter while it copies the
        # table (~35 us an item): a big table is saved less often, so that saving never takes more
        # than a tenth of the stack's time.
        interval: float = SAVE_SECONDS
        while not self.stopping.wait(interval):
            began = time.monotonic()
            try:
                saved = self.save()
            except OSError as e:  # a full disk, say: said each time, and tried again
                say(f"Cannot save the state in {self.state_dir}: {e}")
                continue
            if saved:
                interval = max(SAVE_SECONDS, 10 * (time.monotonic() - began))

    def save(self, final: bool = False) -> bool:
        """The table if it changed (always, when `final`), and the dead-letter queues if they did."""
        with self.saving:
            table_changed = final or self.dirty.is_set()
            if table_changed:
                self.dirty.clear()  # before the copy: a write made meanwhile is saved next time
                self.saved_items = save_table(self.table, self.state.table)
            letters = letters_json(queue_letters(self.queues))
            letters_changed = letters != self.letters_saved
            if letters_changed:
                write_private(self.state.letters, letters)
                self.letters_saved = letters
            return table_changed or letters_changed

    # -- HTTP front

    def dispatch(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str
    ) -> tuple[tuple[int, list[tuple[str, str]], bytes], Route | None]:
        if not self.requests.enter():
            return UNAVAILABLE, None  # stopping: the last save is under way
        try:
            return self._dispatch(method, target, headers, body, client_ip)
        finally:
            self.requests.leave()

    def _dispatch(
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
        # Requests under way finish (new ones get 503) and a sweep under way ends, then the last save.
        self.requests.close(timeout=STOP_WAIT_SECONDS)
        self.stopping.set()
        self.http.shutdown()
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self.exits.close()
        self.save(final=True)
        self.moto.stop()
        table = self.state.table
        shown = table.relative_to(ROOT) if table.is_relative_to(ROOT) else table
        say(f"Stopped. {self.saved_items} items saved to {shown}.")


STOP_SECONDS = 20


def banner(stack: LocalStack) -> str:
    url = f"http://127.0.0.1:{stack.port}"
    webhook = f", and POSTed to {stack.webhook}" if stack.webhook else ""
    letters = f", {stack.restored_letters} dead letters" if stack.restored_letters else ""
    restored = f" ({stack.restored} items{letters} restored)" if stack.restored else ""
    admin_key = stack.admin_key or (
        "none: this state's admin keys are your own (the "
        + ("HEARTBEAT_ADMIN_KEY given is not one of them" if stack.admin_key_given else "local admin key was revoked")
        + ")"
    )
    if stack.detection == "seconds":
        sweeps = "Detection=seconds: every second (one looping run a minute, as deployed)"
    else:
        sweeps = f"every {stack.sweep_seconds:g} s (HEARTBEAT_DETECTION=seconds: every second, as deployed)"
    return f"""
Heartbeat local stack ready on {url}
  admin API key   {admin_key}
  sweeper         {sweeps}; alerts print here{webhook}
  state           {stack.state_dir}{restored}  (make dev FRESH=1 starts empty)
  AWS endpoint    {stack.aws_endpoint}  (aws ... --endpoint-url: events put-events reaches the events function)

Try it from another terminal:
  export HEARTBEAT_API_URL={url} HEARTBEAT_API_KEY={stack.admin_key or "<an admin key>"}
  .venv/bin/heartbeat monitors create --name "Nightly Backup" --type HEARTBEAT \\
      --expected-interval 86400 --grace-period 3600
  curl -fsS --retry 3 -o /dev/null <the pingUrl it prints>          # the job's heartbeat
  .venv/bin/heartbeat monitors list
  .venv/bin/heartbeat apply -f examples/heartbeat.yml --dry-run   # monitors as code
  curl -s -H "X-Api-Key: $HEARTBEAT_API_KEY" {url}/api/v1/monitors
  API reference: {url}/api/v1/docs
  Healthchecks' tools: API {url}/api/ (v1, v2, v3), pings {url}/ping/ (a 32-character key:
      .venv/bin/heartbeat keys create --name hc --role admin --form healthchecks)
Ctrl-C stops (state is saved; it is also saved each second while it changes).
"""


class StopRequest:
    """The handler of SIGINT, SIGTERM and SIGHUP. It only notes the signal (it takes no lock, so it
    cannot wait on one the interrupted main thread holds) and the main thread polls the note. A
    second signal while stopping ends the process at once."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        if self.signal is not None:
            os.write(2, b"Stopped at once: what changed since the last save is lost.\n")
            os._exit(128 + signum)
        self.signal = signum


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
        StateDir(args.state_dir).forget()
    # Before starting: a Ctrl-C while it starts stops it as cleanly as one later.
    stop = StopRequest()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    say("Starting the local stack...")
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
    except StateError as e:
        say(f"Cannot start: {e}")
        return 1
    except OSError as e:
        say(f"Cannot start: {e}. Is another `make dev` running? Set HEARTBEAT_PORT to use another port.")
        return 1
    if stop.signal is None:
        say(banner(stack))
    while stop.signal is None:
        time.sleep(0.1)
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
