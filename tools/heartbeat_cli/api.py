"""The management API's HTTP client, and what its errors say."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

MAX_BODY_BYTES = 5_000_000  # the API refuses a larger request body with 413 (functions/api/app.py)
TIMEOUT_SECONDS = 30  # API Gateway's own limit on a request


class CliError(Exception):
    """What went wrong, said in a line or a few: `heartbeat: <message>` on stderr, exit status 1."""


class ApiError(CliError):
    """The API's error answer: said as error_message says it, with its status and, for invalid input,
    each problem with its place (`[("monitors[3].config.timezone", "unknown timezone ...")]`)."""

    def __init__(self, status: int, raw: bytes) -> None:
        super().__init__(error_message(status, raw))
        self.status = status
        self.details = error_details(raw)


class Api:
    def __init__(self, url: str | None, key: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        if not url:
            raise CliError("no API URL: set HEARTBEAT_API_URL or pass --api-url (the stack's ApiUrl output)")
        if not key:
            raise CliError("no API key: set HEARTBEAT_API_KEY or pass --api-key")
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        # urllib.request costs ~19 ms to import: only commands that call the API pay it.
        import urllib.error
        import urllib.request

        url = f"{self.url}{path}"
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)  # tag=a&tag=b
        data = request_body(body)
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - URL from the user
        request.add_header("X-Api-Key", self.key)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise ApiError(e.code, e.read()) from None
        except urllib.error.URLError as e:  # connecting or sending failed
            if data is not None and isinstance(e.reason, BrokenPipeError | ConnectionResetError):
                raise CliError(cut_off(len(data))) from None
            raise CliError(f"cannot reach the API at {self.url}: {e.reason}") from None
        except OSError as e:  # sent, but the connection dropped or timed out before a whole answer
            if data is not None and isinstance(e, ConnectionError):
                raise CliError(cut_off(len(data))) from None
            raise CliError(f"no answer from the API at {self.url}: {e or type(e).__name__}") from None
        return json.loads(raw) if raw else None


def request_body(body: Any) -> bytes | None:
    """The JSON to send; one the API would refuse as too large is refused here, before sending it."""
    if body is None:
        return None
    data = json.dumps(body).encode()
    if len(data) > MAX_BODY_BYTES:
        raise CliError(
            f"too large: the request body would be {len(data):,} bytes, over the API's limit of "
            f"{MAX_BODY_BYTES:,} bytes; nothing was sent"
        )
    return data


def cut_off(size: int) -> str:
    """A server (or a proxy before it) that refuses a body often answers 413 and closes the connection
    unread, so the client sees a broken pipe or a reset while sending, not the answer: say what it likely was."""
    return (
        f"too large? the API closed the connection while the request body ({size:,} bytes) was being sent "
        f"(the API takes at most {MAX_BODY_BYTES:,} bytes)"
    )


def error_details(raw: bytes) -> list[tuple[str, str]]:
    try:
        details = json.loads(raw)["error"]["details"]
        return [(str(d["field"]), str(d["message"])) for d in details]
    except (ValueError, KeyError, TypeError):
        return []


def error_message(status: int, raw: bytes) -> str:
    try:
        parsed = json.loads(raw)
        # The API's {"error": {...}}; a 413 may come from API Gateway (or a proxy) as {"message": ...}.
        error = parsed.get("error", parsed) if status == 413 else parsed["error"]
        message = error.get("message")
        details = error.get("details") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        if status == 413:
            return "too large: the API refused the request body (HTTP 413)"
        return f"HTTP {status}: {raw[:200].decode('utf-8', 'replace')}"
    if status == 413:
        return f"too large: {message or 'the API refused the request body'} (HTTP 413)"
    if len(details) > 1:  # one line per problem, each with where it is
        return f"{len(details)} problems (HTTP {status}):\n" + "\n".join(
            f"  {d.get('field')}: {d.get('message')}" for d in details
        )
    return f"{message or 'error'} (HTTP {status})"
