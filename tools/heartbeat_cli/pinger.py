"""`heartbeat run`'s pings: /start and /<exit status> with a run id, tried again with backoff for a
bounded time, and never an exception: a ping that cannot get through is a warning, because
monitoring must never break the job. Standard library only (urllib), so it runs wherever Python does."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_BODY_LIMIT = 100_000  # the deployments' default (MAX_PING_BODY_BYTES); an answer's Ping-Body-Limit wins
RETRIED_STATUSES = {429, 500, 502, 503, 504}  # throttled, or not recorded: worth another try
FIRST_DELAY_S, MAX_DELAY_S = 0.5, 8.0
USER_AGENT = "heartbeat-run"
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_slug_url(url: str) -> bool:
    """/ping/<ping key>/<slug>: the only form `?create=1` applies to."""
    parts = urlsplit(url).path.rstrip("/").split("/")
    return len(parts) >= 3 and parts[-3] == "ping" and not UUID_RE.match(parts[-2])


def where(url: str) -> str:
    """The URL without its path: a ping URL's token (or ping key) is a secret, and warnings end up in
    cron's mail and in logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Pinger:
    """Pings one monitor's URL. `budget_s` bounds each ping, its tries and waits included."""

    def __init__(
        self,
        url: str,
        warn: Callable[[str], None],
        budget_s: float = 10.0,
        create: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url, self.warn, self.budget_s, self.create = url, warn, budget_s, create
        self.sleep, self.clock = sleep, clock
        self.body_limit = DEFAULT_BODY_LIMIT
        self.refused: str | None = None  # a permanent answer (404: a wrong URL): the next ping would get it too

    def address(self, action: str, rid: str) -> str:
        scheme, netloc, path, query, _ = urlsplit(self.url)
        params = [*parse_qsl(query), ("rid", rid)]
        if self.create:
            params.append(("create", "1"))
        return urlunsplit((scheme, netloc, f"{path.rstrip('/')}/{action}", urlencode(params), ""))

    def ping(self, action: str, rid: str, body: bytes = b"") -> bool:
        """POST `action` (start, or an exit status) with the run id; True once it is recorded."""
        if self.refused:
            return False
        started, tries, delay = self.clock(), 0, FIRST_DELAY_S
        while True:
            tries += 1
            left = self.budget_s - (self.clock() - started)
            problem: str | None
            wait: float | None
            try:
                address = self.address(action, rid)
            except ValueError as e:  # urlsplit's word for a URL it cannot take apart
                problem, wait = f"not a URL ({e})", None
            else:
                problem, wait = self._try(address, body, max(left, 0.5))
            if problem is None:
                return True
            if wait is None:  # the deployment said no: trying again would get the same answer
                self.refused = problem
                self.warn(f"{where(self.url)} refused the {describe(action)}: {problem}")
                return False
            wait = min(max(wait, delay), MAX_DELAY_S)
            if self.clock() - started + wait >= self.budget_s:
                spent = self.clock() - started
                self.warn(
                    f"could not report the {describe(action)} to {where(self.url)}: {problem} "
                    f"({tries} {'try' if tries == 1 else 'tries'} in {spent:.1f} s)"
                )
                return False
            self.sleep(wait)
            delay = min(delay * 2, MAX_DELAY_S)

    def _try(self, url: str, body: bytes, timeout: float) -> tuple[str | None, float | None]:
        """(None, None) when recorded; else what went wrong and how long to wait before trying again
        (None: do not)."""
        try:
            request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - the user's ping URL
        except ValueError as e:  # no scheme, no host: every try would fail the same way
            return f"not a URL ({e})", None
        request.add_header("Content-Type", "text/plain; charset=utf-8")
        request.add_header("User-Agent", USER_AGENT)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                self._learn(answer.headers.get("Ping-Body-Limit"))
                answer.read()
            return None, None
        except urllib.error.HTTPError as e:
            self._learn(e.headers.get("Ping-Body-Limit"))
            problem = f"HTTP {e.code} {error_text(e.read())}".rstrip()
            if e.code not in RETRIED_STATUSES:
                return problem, None
            return problem, retry_after(e.headers.get("Retry-After"))
        except urllib.error.URLError as e:  # could not connect: refused, no such host
            return getattr(e.reason, "strerror", None) or str(e.reason), 0.0
        except http.client.InvalidURL as e:  # a bad port, a control character: no try would do better
            return f"not a URL ({e})", None
        except (OSError, http.client.HTTPException) as e:  # a timeout, a connection dropped mid-answer
            return str(e) or type(e).__name__, 0.0
        except ValueError as e:  # urllib's word for a URL it cannot use
            return f"not a URL ({e})", None

    def _learn(self, limit: str | None) -> None:
        if limit and limit.isdigit():
            self.body_limit = int(limit)


def describe(action: str) -> str:
    return "start" if action == "start" else f"finish (exit status {action})"


def error_text(raw: bytes) -> str:
    """The message of the ping route's JSON error, or the start of whatever else came back."""
    try:
        error = json.loads(raw)["error"]
        return f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return raw[:200].decode("utf-8", "replace")


def retry_after(value: str | None) -> float:
    return float(value) if value and value.isdigit() else 0.0
