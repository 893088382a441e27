"""What every HTTP-facing function shares: the JSON error body, and one strict body decoder.

The decoder takes I-JSON (RFC 7493) and nothing looser, before any model sees the body: UTF-8
only, no key twice (json.loads would keep the last one silently), no NaN or Infinity, no number
a JSON reader elsewhere would round (1e999, integers past 2**53), and no nesting deeper than any
request needs (a 5,000-deep array is 10 KB and exhausts the parser's stack).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from typing import Any

from heartbeat.domain.errors import MalformedBody

MAX_DEPTH = 32  # the deepest request (an apply file's subscription filter) nests 5
MAX_SAFE_INTEGER = 2**53 - 1  # past this, JavaScript and many JSON readers round


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """{"error": {"code", "message", "details"?}}: the one shape of every error Heartbeat answers."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def error_json(code: str, message: str) -> str:
    """The error body as text, compact as the resolver writes its own, for answers given without it."""
    return json.dumps(error_body(code, message), separators=(",", ":"))


def public_base(public_url: str, headers: Mapping[str, str] | None, domain_name: str) -> str:
    """Where this deployment's URLs start: the custom domain when there is one (URLs that outlive the
    API), else the host the caller used."""
    if public_url:
        return public_url
    scheme = {k.lower(): v for k, v in (headers or {}).items()}.get("x-forwarded-proto", "https")
    return f"{scheme}://{domain_name}"


def body_bytes(body: str | None, is_base64: bool) -> bytes:
    """The request body as sent: API Gateway hands binary bodies over base64-encoded."""
    if not body:
        return b""
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedBody("the body is marked base64 but is not") from None


def decode_json(raw: bytes) -> Any:
    """The JSON value in `raw`, or MalformedBody saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedBody(f"the body is not UTF-8 (byte {e.start})") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except json.JSONDecodeError as e:
        raise MalformedBody(f"the body is not valid JSON ({e.msg} at character {e.pos})") from None
    except RecursionError:
        raise MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels") from None
    _check_depth(value)
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedBody(f"the key {json.dumps(key)[:80]} is given twice in one object")
        result[key] = value
    return result


def _constant(name: str) -> Any:
    raise MalformedBody(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedBody(f"the number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    # Length first: int() of a 100,000-digit text is slow, and refused past 4,300 digits anyway.
    if len(text.lstrip("-")) > 16 or abs(value := int(text)) > MAX_SAFE_INTEGER:
        raise MalformedBody(f"the integer {text[:40]} is past 2**53 - 1, the largest JSON carries exactly")
    return value


def _check_depth(value: Any) -> None:
    """Iterative, so a value the parser accepted cannot exhaust the stack here either."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    raise MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels")
                stack.append((child, depth + 1))
