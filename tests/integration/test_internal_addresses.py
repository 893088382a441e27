"""Issue 26: alerts go to public addresses only. A target at the metadata service, this machine or a
private network is refused when it is made (its name resolved, every address judged) and again at
each delivery, which connects to the very address it judged; a redirect is never followed.

No test here needs real DNS: IP literals (in every form getaddrinfo reads), or socket.getaddrinfo
replaced for one made-up name."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from heartbeat.adapters import http
from heartbeat.adapters.http import Failure, http_send
from heartbeat.domain.targets import Request, address_refused
from heartbeat_local.targetserver import Answer, TargetServer
from tests.harness import Stack

from .test_notifier import subscribe

SUBS = "/api/v1/subscriptions"
FAILED = "/api/v1/alerts/failed"
PUBLIC = "93.184.215.14"
REAL_GETADDRINFO = socket.getaddrinfo


def refusal(reply: Any) -> tuple[str, str]:
    assert reply.status == 422, reply.body
    [detail] = reply.json()["error"]["details"]
    return detail["field"], detail["message"]


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, *answers: list[str]) -> list[str]:
    """socket.getaddrinfo, for `name` only, gives each answer in turn (the last one from then on).
    Returns the log of lookups of `name`."""
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        addresses = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(host)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 443)))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def without_the_local_exception(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API as deployed: ALLOW_HTTP_TARGETS unset (the tests' stack sets it for its local servers)."""
    monkeypatch.delenv("ALLOW_HTTP_TARGETS")
    stack.modules["ApiFunction"] = stack.load("ApiFunction")


def fail_once(stack: Stack) -> None:
    monitor = stack.create_monitor("Nightly Backup")
    assert stack.ping(monitor["token"], "/fail", method="POST", body="exit 1").status == 200


def dead_letter_errors(stack: Stack) -> list[str]:
    return [item["error"] for item in stack.request("GET", FAILED).json()["items"]]


INTERNAL = [  # (URL, the address it names, why refused)
    ("https://169.254.169.254/latest/meta-data/iam/", "169.254.169.254", "the cloud metadata service"),
    ("https://10.0.0.1/", "10.0.0.1", "a private network"),
    ("https://0xa000001/hook", "10.0.0.1", "a private network"),  # hex
    ("https://167772161/hook", "10.0.0.1", "a private network"),  # decimal
    ("https://012.0.0.1/hook", "10.0.0.1", "a private network"),  # octal
    ("https://192.168.1.20:8443/hook", "192.168.1.20", "a private network"),
    ("https://100.64.0.1/", "100.64.0.1", "shared address space (100.64.0.0/10)"),
    ("https://169.254.10.1/", "169.254.10.1", "link-local"),
    ("https://0.0.0.0/", "0.0.0.0", "unspecified (this machine)"),
    ("https://224.0.0.1/", "224.0.0.1", "multicast"),
]


def test_a_target_at_an_internal_address_is_refused_when_made(stack: Stack) -> None:
    for url, address, why in INTERNAL:
        host = url.split("/")[2].split(":")[0]
        reply = stack.request("POST", SUBS, {"protocol": "webhook", "endpoint": url})
        expected = ("endpoint", f"{host} resolves to {address}, {why}; alerts go to public addresses only")
        assert refusal(reply) == expected, url
    assert stack.store.targets.all() == []


def test_this_machine_is_refused_in_every_form_without_the_local_stack_s_exception(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_the_local_exception(stack, monkeypatch)
    for url in ("https://127.0.0.1/", "https://0x7f000001/", "https://2130706433/", "https://017700000001/"):
        field, message = refusal(stack.request("POST", SUBS, {"protocol": "slack", "endpoint": url}))
        assert field == "endpoint" and "resolves to 127.0.0.1, this machine (loopback)" in message, url
    assert stack.store.targets.all() == []


def test_an_incident_service_s_url_is_judged_too(stack: Stack) -> None:
    body = {"protocol": "pagerduty", "endpoint": "R0UT1NGKEY0123456789abcdefABCDEF", "url": "https://10.1.2.3/v2"}
    assert refusal(stack.request("POST", SUBS, body))[0] == "url"


def test_a_name_is_refused_if_any_of_its_addresses_is_internal(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    resolving(monkeypatch, "hooks.example.com", [PUBLIC, "fd00:ec2::254"])
    reply = stack.request("POST", SUBS, {"protocol": "webhook", "endpoint": "https://hooks.example.com/h"})
    assert refusal(reply) == (
        "endpoint",
        "hooks.example.com resolves to fd00:ec2::254, the cloud metadata service; alerts go to public addresses only",
    )


def test_a_redirect_is_never_followed(stack: Stack, target: TargetServer) -> None:
    """Issue 26: a webhook answering 302 to another address made the notifier GET that address."""
    inside = TargetServer()
    try:
        target.script = [Answer(302, location=f"{inside.url}/internal")]
        subscribe(stack, {"protocol": "webhook", "endpoint": f"{target.url}/hook"})
        fail_once(stack)
        assert len(target.received) == 1  # a failure for good: not tried again
        assert inside.received == []
        assert dead_letter_errors(stack) == ["HTTP 302 (a redirect: not followed)"]
    finally:
        inside.close()


def test_a_name_that_resolves_elsewhere_at_delivery_is_not_connected_to(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when the target was made, the metadata service when the alert goes."""
    lookups = resolving(monkeypatch, "hooks.example.com", [PUBLIC], ["169.254.169.254"])
    subscribe(stack, {"protocol": "webhook", "endpoint": "https://hooks.example.com/h"})
    connected: list[Any] = []
    real_connect: Callable[..., Any] = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        connected.append(address)
        if address[0] == "169.254.169.254":
            raise ConnectionRefusedError  # never reach out to it from a test, whatever the code does
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    fail_once(stack)
    assert len(lookups) >= 2 and not [a for a in connected if a[0] == "169.254.169.254"]
    assert dead_letter_errors(stack) == ["refused: 169.254.169.254, the cloud metadata service"]


def test_the_connection_goes_to_the_address_judged_with_the_name_as_host(
    target: TargetServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One answer is judged and connected to: a second lookup (where a rebinding resolver would
    answer differently) never happens. Loopback is the local stack's exception, allowed here."""
    port = int(target.url.rsplit(":", 1)[1])
    lookups = resolving(monkeypatch, "hooks.example.com", ["127.0.0.1"], ["10.0.0.1"])
    http_send(Request("POST", f"http://hooks.example.com:{port}/h", b"{}", {}), 2.0, allow_loopback=True)
    [got] = target.received
    assert got.headers["host"] == f"hooks.example.com:{port}" and lookups == ["hooks.example.com"]
    # The next attempt asks again, and is judged on what it is told.
    with pytest.raises(Failure, match=r"refused: 10\.0\.0\.1, a private network") as refused:
        http_send(Request("POST", f"http://hooks.example.com:{port}/h", b"{}", {}), 2.0, allow_loopback=True)
    assert not refused.value.transient and len(target.received) == 1


def certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """An https server on 127.0.0.1 with a certificate for hooks.example.com, which the sender's TLS
    context trusts; yields its port and what it saw: (SNI, Host) per request."""
    cert, key = certificate(tmp_path, "hooks.example.com")
    seen: list[tuple[str, str]] = []
    sni: list[str] = []
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda sock, name, ctx: sni.append(name or "")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append((sni[-1] if sni else "", self.headers.get("host", "")))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # the refused handshake below
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(http, "_tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_judged_address_and_checks_the_certificate_against_the_name(
    tls_target: tuple[int, list[tuple[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = tls_target
    resolving(monkeypatch, "hooks.example.com", ["127.0.0.1"])
    http_send(Request("POST", f"https://hooks.example.com:{port}/h", b"{}", {}), 2.0, allow_loopback=True)
    assert seen == [("hooks.example.com", f"hooks.example.com:{port}")]
    # Another name at the same address: its certificate does not name it, so nothing is sent.
    resolving(monkeypatch, "other.example.com", ["127.0.0.1"])
    with pytest.raises(Failure, match="SSLCertVerificationError"):
        http_send(Request("POST", f"https://other.example.com:{port}/h", b"{}", {}), 2.0, allow_loopback=True)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", ""),
        ("2606:4700:4700::1111", ""),
        ("::ffff:8.8.8.8", ""),  # IPv4-mapped: judged as the IPv4 address
        ("64:ff9b::808:808", ""),  # NAT64 of 8.8.8.8, as an IPv6-only VPC reaches the internet
        ("::ffff:127.0.0.1", "this machine (loopback)"),
        ("::ffff:169.254.169.254", "the cloud metadata service"),
        ("64:ff9b::a00:1", "a private network"),
        ("2002:a00:1::1", "a private network"),  # 6to4 of 10.0.0.1
        ("::1", "this machine (loopback)"),
        ("::", "unspecified (this machine)"),
        ("fe80::1%eth0", "link-local"),
        ("fd12:3456::1", "a private network"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "a private network"),
    ],
)
def test_which_addresses_a_target_may_have(address: str, refused: str) -> None:
    assert address_refused(address) == refused
    assert address_refused(address, allow_loopback=True) == ("" if "loopback" in refused else refused)
