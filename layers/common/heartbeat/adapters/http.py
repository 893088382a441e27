"""Sending a target's request over HTTP, and retrying it: the one place both are done.

Transient failures (a timeout, a refused connection, 5xx, 408, 429) are retried with exponential
backoff, honouring a 429's Retry-After, within a time budget; any other 4xx fails for good at
once. Errors name the status, never the URL (it is the secret).

Only public addresses are reached (domain.targets.address_refused): the name is resolved once per
attempt, every address it gives is judged, and the connection goes to one of those very addresses
(Host, SNI and the certificate still name the host), so a DNS answer that changes between the
check and the connection (rebinding) cannot slip past. No redirect is followed: a 3xx fails.
"""

from __future__ import annotations

import functools
import http.client
import random
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from heartbeat.domain.targets import Request, address_refused

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_s: float = 1.0  # first backoff; doubled each time, with jitter
    budget_s: float = 60.0  # all attempts and waits of one delivery
    timeout_s: float = 10.0  # one attempt


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class DeliveryOutcome:
    """How sending one request to one target ended."""

    delivered: bool
    attempts: int
    error: str = ""  # of the last attempt: "HTTP 503", "timeout", ...


class Failure(Exception):
    def __init__(self, error: str, transient: bool, retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.error, self.transient, self.retry_after_s = error, transient, retry_after_s


Sender = Callable[[Request, float], None]
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple]  # one of getaddrinfo's answers


class RefusedAddress(Exception):
    """The name resolves to an address no target may have."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}, {reason}")
        self.address, self.reason = address, reason


def vetted_addresses(host: str, port: int, allow_loopback: bool = False) -> Sequence[AddressInfo]:
    """Every address `host` resolves to now, if a target may have each of them (one that may not
    refuses the name: which answer a connection gets is the resolver's choice). Decimal, hex and
    octal IPv4 forms (2130706433, 0x7f000001) resolve to what they mean. Raises RefusedAddress, or
    OSError (socket.gaierror) if the name does not resolve."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in found:
        reason = address_refused(str(sockaddr[0]), allow_loopback)
        if reason:
            raise RefusedAddress(str(sockaddr[0]), reason)
    return found


class _PinnedConnection(http.client.HTTPConnection):
    """A connection to one of the addresses already vetted, never to a fresh answer for the name."""

    def __init__(self, host: str, port: int, addresses: Sequence[AddressInfo], timeout: float, tls: bool) -> None:
        super().__init__(host, port, timeout=timeout)
        self.default_port = 443 if tls else 80  # the Host header leaves out the scheme's own port
        self._addresses, self._tls = addresses, tls

    def connect(self) -> None:
        error: OSError = ConnectionError("no address")
        for family, kind, proto, _, sockaddr in self._addresses:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
                break
            except OSError as e:
                sock.close()
                error = e
        else:
            raise error
        # The certificate is checked against the name, which SNI sends too.
        self.sock = _tls_context().wrap_socket(sock, server_hostname=self.host) if self._tls else sock


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # what urllib uses: the system's CAs, hostnames checked


def http_sender(allow_loopback: bool = False) -> Sender:
    """http_send, with the local stack's exception for targets on this machine when allowed."""
    return lambda request, timeout_s: http_send(request, timeout_s, allow_loopback)


def http_send(request: Request, timeout_s: float, allow_loopback: bool = False) -> None:
    """One attempt; raises Failure saying whether to try again."""
    # Only https (or http to this machine, locally) URLs get here: domain.targets.check refuses the rest.
    url = urlsplit(request.url)
    host, tls = url.hostname or "", url.scheme == "https"
    try:
        port = url.port or (443 if tls else 80)
        addresses = vetted_addresses(host, port, allow_loopback)
    except RefusedAddress as e:
        raise Failure(f"refused: {e}", transient=False) from None
    except ValueError:  # a port past 65535
        raise Failure("bad port", transient=False) from None
    except (OSError, UnicodeError) as e:  # the name does not resolve (now)
        raise Failure(type(e).__name__, transient=True) from None
    connection = _PinnedConnection(host, port, addresses, timeout_s, tls)
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        connection.request(request.method, target, request.body, request.headers)
        reply = connection.getresponse()
        reply.read()
    except TimeoutError:
        raise Failure("timeout", transient=True) from None
    except (OSError, http.client.HTTPException) as e:  # refused, reset, TLS, a garbled answer
        raise Failure(type(e).__name__, transient=True) from None
    finally:
        connection.close()
    if 300 <= reply.status < 400:  # a redirect may point anywhere, this machine included: never followed
        raise Failure(f"HTTP {reply.status} (a redirect: not followed)", transient=False)
    if reply.status >= 400:
        raise Failure(f"HTTP {reply.status}", reply.status in TRANSIENT, retry_after(reply.getheader("retry-after")))


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def send_with_retry(
    request: Request,
    policy: RetryPolicy = DEFAULT_POLICY,
    send: Sender = http_send,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryOutcome:
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        left = policy.budget_s - (clock() - started)
        try:
            send(request, max(0.1, min(policy.timeout_s, left)))
            return DeliveryOutcome(True, attempt)
        except Failure as failure:
            if not failure.transient or attempt >= policy.attempts:
                return DeliveryOutcome(False, attempt, failure.error)
            backoff = policy.base_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            wait = failure.retry_after_s if failure.retry_after_s is not None else backoff
            if clock() - started + wait >= policy.budget_s:
                return DeliveryOutcome(False, attempt, f"{failure.error}; retry after {wait:g}s is past the budget")
            sleep(wait)
