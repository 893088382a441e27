"""A scenario that makes every AWS call each function makes: pings of each kind, a sweep that
alerts, the alert delivered by the notifier (and one it dead-letters), every management route, the
Healthchecks API, an AWS run event, and subscriptions added, changed, tested and removed."""

from __future__ import annotations

import json
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from heartbeat_local.apigw import http_event, http_response
from heartbeat_local.deploy.lambdas import DeployCheckError
from heartbeat_local.deploy.stage import Stage
from heartbeat_local.snslambda import SnsLambdaBridge
from heartbeat_local.template import ROOT, Template

EVENTS = ROOT / "events"


class Api:
    """HTTP requests as API Gateway hands them to the functions, routed by the template's routes."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.routes = Template().routes()
        self.key = ""

    def __call__(self, method: str, path: str, body: Any = None, key: str | None = "admin", expect: int = 200) -> Any:
        headers = {"content-type": "application/json"} if body is not None else {}
        if key:
            headers["x-api-key"] = self.key if key == "admin" else key
        path_only, _, query = path.partition("?")
        route = next(r for r in self.routes if r.match(method, path_only) is not None)
        raw = (body if isinstance(body, str) else json.dumps(body)).encode() if body is not None else b""
        event = http_event(route, route.match(method, path_only) or {}, method, path_only, query, headers.items(),
                           raw, "198.51.100.7", "api.example.com")  # fmt: skip
        status, _, payload = http_response(self.stage.functions[route.function].invoke(event))
        if status != expect:
            raise DeployCheckError(f"{method} {path} answered {status}, not {expect}: {payload[:300]!r}")
        return json.loads(payload) if payload[:1] in (b"{", b"[") else payload.decode()


class Target(BaseHTTPRequestHandler):
    """A chat target over HTTPS: /ok takes an alert, /gone refuses it (a 4xx is not retried)."""

    received: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Target.received.append(self.path)
        self.send_response(200 if self.path == "/ok" else 410)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def https_target() -> Iterator[tuple[int, Path]]:
    """A local HTTPS server and the CA file that makes its certificate trusted (SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1], cert_file
        finally:
            server.shutdown()


def admin_key(stage: Stage) -> str:
    """`heartbeat keys bootstrap`'s work, done with the check's own credentials."""
    from heartbeat.adapters.secrets import secret_from
    from heartbeat.domain.tokens import new_api_key
    from heartbeat.store import Store
    from heartbeat.usecases.keys import KeyRing

    secret = secret_from(stage.client("secretsmanager"), stage.refs["ApiKeySecret"])
    keyring = KeyRing(Store.open(stage.client("dynamodb"), stage.refs["Table"]), secret)
    key = new_api_key()
    keyring.add(key, "deploy-check", "admin", int(time.time() * 1000))
    return key


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / f"{name}.json").read_text()))


def run(stage: Stage, port: int) -> list[str]:
    """The scenario; returns what it checked, one line each. SNS runs the notifier (from its
    subscription in the template) as Lambda would, synchronously here."""
    bridge = SnsLambdaBridge(background=False)
    notifier = stage.functions["NotifierFunction"]
    sqs = stage.client("sqs")
    bridge.register(stage.refs["NotifierFunction.Arn"], notifier.invoke, sqs, stage.refs["AlertsDeadLetterQueue"])
    with bridge.installed():
        steps = Steps(stage, port)
        return [
            step()
            for step in (steps.management, steps.pings, steps.reads, steps.subscriptions, steps.outage,
                         steps.dead_letters, steps.events, steps.healthchecks, steps.removals)
        ]  # fmt: skip


class Steps:
    """Each step makes its calls through the functions and says what it checked."""

    WATCHER = "deploy-check-alerts"

    def __init__(self, stage: Stage, port: int) -> None:
        self.stage, self.port, self.api = stage, port, Api(stage)
        self.api.key = admin_key(stage)
        self.sqs = stage.client("sqs")
        self.watcher = self.sqs.create_queue(QueueName=self.WATCHER)["QueueUrl"]
        self.watcher_arn = f"arn:aws:sqs:us-east-1:123456789012:{self.WATCHER}"

    def management(self) -> str:
        api = self.api
        self.read_key = api("POST", "/api/v1/keys", {"name": "ci", "role": "read"}, expect=201)
        self.second_admin = api("POST", "/api/v1/keys", {"name": "ci admin", "role": "admin"}, expect=201)
        api("GET", "/api/v1/keys")
        m = self.monitor = api("POST", "/api/v1/monitors", {"name": "Nightly Backup", "tags": ["db"],
                               "config": {"expectedInterval": 1, "gracePeriod": 1}}, expect=201)  # fmt: skip
        api("GET", "/api/v1/monitors"), api("GET", f"/api/v1/monitors/{m['id']}")
        api("PATCH", f"/api/v1/monitors/{m['id']}", {"tags": ["db", "nightly"]})
        api("POST", f"/api/v1/monitors/{m['id']}/pause"), api("POST", f"/api/v1/monitors/{m['id']}/resume")
        return "management API: keys, monitors (create, list, get, patch, pause, resume)"

    def pings(self) -> str:
        api, self.token = self.api, self.monitor["pingUrl"].rsplit("/", 1)[-1]
        for suffix, method, body in (("/start", "GET", None), ("", "POST", "backup done"), ("/log", "POST", "note")):
            api(method, f"/api/v1/heartbeat/{self.token}{suffix}", body, key=None)
        ping_key = api("GET", "/api/v1/ping-key")["pingKey"]
        api("GET", f"/ping/{ping_key}/nightly-backup", key=None)
        api("GET", f"/ping/{ping_key}/made-by-a-ping?create=1", key=None, expect=201)
        return "pings: token start, success with a body, log; by slug; slug ?create=1"

    def reads(self) -> str:
        api, m = self.api, self.monitor
        for path in ("pings", "incidents", "uptime", "pings/1/body"):
            api("GET", f"/api/v1/monitors/{m['id']}/{path}")
        for path in ("/api/v1/incidents", "/api/v1/export", "/api/v1/openapi.json", "/api/v1/docs", "/"):
            api("GET", path)
        badge_key = api("GET", "/api/v1/badge-key")["badgeKey"]
        api("GET", f"/badge/{badge_key}/db.svg", key=None), api("GET", f"/metrics/{self.read_key['key']}", key=None)
        api("POST", "/api/v1/ping-key/rotate"), api("POST", "/api/v1/badge-key/rotate")
        return "management API: pings, body, incidents, uptime, export, docs, dashboard, badge, metrics, rotations"

    def subscriptions(self) -> str:
        """SNS's own (an SQS queue: confirmed at once) and chat targets (the notifier's)."""
        api, base = self.api, f"https://127.0.0.1:{self.port}"
        self.sub = api("POST", "/api/v1/subscriptions", {"protocol": "sqs", "endpoint": self.watcher_arn}, expect=201)
        ok = api("POST", "/api/v1/subscriptions", {"protocol": "webhook", "endpoint": f"{base}/ok"}, expect=201)
        api("POST", "/api/v1/subscriptions", {"protocol": "webhook", "endpoint": f"{base}/gone"}, expect=201)
        api("GET", "/api/v1/subscriptions")
        changed = {"protocol": "sqs", "endpoint": self.watcher_arn, "filter": {"tags": ["db"]}}
        api("POST", "/api/v1/apply", {"version": "1", "subscriptions": [changed]})
        api("POST", f"/api/v1/subscriptions/{ok['id']}/test", expect=202)
        return "subscriptions: SNS (subscribe, list, filter changed by apply) and chat targets; a test alert"

    def outage(self) -> str:
        """The monitor misses its deadline, the sweep alerts, SNS runs the notifier; then it recovers."""
        time.sleep(2.2)
        swept = self.stage.functions["SweeperFunction"].invoke(sample("sweeper-scheduled"))
        if swept["marked_down"] != 1 or swept["alerts_sent"] < 1:
            raise DeployCheckError(f"the sweep did not alert the missed deadline: {swept}")
        alerts = self.sqs.receive_message(QueueUrl=self.watcher, MaxNumberOfMessages=10).get("Messages", [])
        self.api("GET", f"/api/v1/heartbeat/{self.token}", key=None)  # recovery: the ping function publishes
        self.api("GET", f"/api/v1/heartbeat/{self.token}/fail", key=None)
        if not any(json.loads(json.loads(a["Body"])["Message"])["event"] == "monitor.down" for a in alerts):
            raise DeployCheckError("the down alert did not reach the SQS subscriber")
        if "/ok" not in Target.received or "/gone" not in Target.received:
            raise DeployCheckError(f"the notifier did not deliver to both targets: {Target.received}")
        return "outage: swept down, alerted through SNS to SQS and to the notifier's targets; recovered; failed"

    def dead_letters(self) -> str:
        failed = self.api("GET", "/api/v1/alerts/failed")
        if not failed.get("items"):
            raise DeployCheckError(f"the refused delivery is not in the dead-letter queue: {failed}")
        self.api("POST", "/api/v1/alerts/retry")
        return "dead letters: the refused delivery kept, listed and retried"

    def events(self) -> str:
        ecs = sample("run-ecs-task-stopped")
        pattern = {"source": ["aws.ecs"], "detail": {"clusterArn": [ecs["detail"]["clusterArn"]]}}
        self.api("POST", "/api/v1/monitors", {"name": "ECS job", "config": {"events": [pattern]}}, expect=201)
        self.stage.functions["EventsFunction"].invoke(ecs)
        return "events: an ECS task's stop matched a monitor's pattern"

    def healthchecks(self) -> str:
        api = self.api
        check = api("POST", "/api/v3/checks/", {"name": "HC check", "timeout": 3600, "grace": 60, "unique": ["name"]},
                    expect=201)  # fmt: skip
        uuid = check["update_url"].rstrip("/").rsplit("/", 1)[-1]
        for path in ("checks/", f"checks/{uuid}", f"checks/{uuid}/pings/", f"checks/{uuid}/flips/", "channels/",
                     "badges/", "status/"):  # fmt: skip
            api("GET", f"/api/v3/{path}")
        api("POST", f"/api/v3/checks/{uuid}/pause"), api("POST", f"/api/v3/checks/{uuid}/resume")
        api("DELETE", f"/api/v3/checks/{uuid}")
        return "Healthchecks API: upsert, list, get, pings, flips, channels, badges, status, pause, resume, delete"

    def removals(self) -> str:
        self.api("DELETE", f"/api/v1/subscriptions/{self.sub['id']}", expect=204)
        self.api("DELETE", f"/api/v1/keys/{self.read_key['id']}", expect=204)
        # An admin key's revocation is a transaction checking another admin key still stands.
        self.api("DELETE", f"/api/v1/keys/{self.second_admin['id']}", expect=204)
        self.api("DELETE", f"/api/v1/monitors/{self.monitor['id']}", expect=204)
        return "removals: an SNS subscription, a read key, an admin key, a monitor and its pings"
