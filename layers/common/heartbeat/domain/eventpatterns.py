"""EventBridge event patterns, as a monitor's `config.events` holds them: checked against
EventBridge's grammar when they are set, and matched against an event as EventBridge matches a
rule's pattern.

The grammar is AWS's ("Content filtering in Amazon EventBridge event patterns"), as aws/event-ruler
(the matcher EventBridge runs) compiles it; a pattern it refuses is refused here, with its place:
- a pattern is a non-empty object; each field holds a non-empty object (nested fields) or a
  non-empty list of filters; `"$or": [{...}, {...}, ...]` (two or more) matches when any does;
- a filter is a value (string, number, true, false, null: equal to it) or an object of one key:
  `prefix` / `suffix` (a string, or `{"equals-ignore-case": string}`), `equals-ignore-case`
  (a string), `wildcard` (a string: `*` is any run of characters, `\\*` and `\\\\` escape, no
  `**`), `anything-but` (a string or number, a list of only strings or only numbers, or
  `{"prefix" | "suffix" | "equals-ignore-case" | "wildcard": a string or a list of strings}`),
  `numeric` (`["=", n]`, `[">" | ">=", n]`, `["<" | "<=", n]` or `[">" | ">=", n, "<" | "<=", m]`
  with n < m), `exists` (true or false), `cidr` (an IPv4 or IPv6 network).

`matches` is total: whatever it is given (a pattern stored before this check existed, say), it
answers True or False and never raises; what it cannot judge matches nothing. Pure: no AWS call.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from functools import lru_cache
from typing import Any

from heartbeat.domain import runsources
from heartbeat.domain.errors import InvalidInput

MAX_PATTERNS = 10
MAX_PATTERN_CHARS = 2048  # one pattern as JSON (EventBridge allows 4,096 for a whole rule's)
OR = "$or"
_TOP_LEVEL = {"source", "detail-type", "account", "region", "resources", "detail", "id", "time", "version"}
_OPERATORS = {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"}
_ANYTHING_BUT_OF = {"prefix", "suffix", "equals-ignore-case", "wildcard"}
_LOWER, _UPPER, _EQUAL = {">", ">="}, {"<", "<="}, "="


# ---- the grammar ---------------------------------------------------------------------------------


def check_patterns(patterns: Any, field: str = "config.events") -> list[dict[str, Any]]:
    """The patterns, or InvalidInput naming the field path of the first thing wrong."""
    if not isinstance(patterns, list):
        raise InvalidInput(field, "must be a list of EventBridge event patterns")
    if len(patterns) > MAX_PATTERNS:
        raise InvalidInput(field, f"at most {MAX_PATTERNS} patterns")
    for i, pattern in enumerate(patterns):
        check_pattern(pattern, f"{field}[{i}]")
    return patterns


def check_pattern(pattern: Any, field: str) -> None:
    if not isinstance(pattern, dict) or not pattern:
        raise InvalidInput(field, 'must be a non-empty object, e.g. {"source": ["aws.ecs"], "detail": {...}}')
    if len(json.dumps(pattern)) > MAX_PATTERN_CHARS:
        raise InvalidInput(field, f"longer than {MAX_PATTERN_CHARS} characters as JSON")
    sources, known = pattern.get("source"), runsources.NAMES  # what the template's rule forwards
    if not isinstance(sources, list) or not sources or not all(s in known for s in sources):
        raise InvalidInput(f"{field}.source", f"must list one or more of {', '.join(known)}")
    _check_object(pattern, field, top=True)


def _check_object(node: dict[str, Any], field: str, top: bool = False, in_or: bool = False) -> None:
    if not node:
        raise InvalidInput(field, "must not be empty")
    for key, value in node.items():
        path = f"{field}.{key}"
        if not isinstance(key, str) or not key:
            raise InvalidInput(field, "keys must be non-empty strings")
        if key == OR:
            _check_or(value, path, top)
            continue
        if top and key not in _TOP_LEVEL:
            raise InvalidInput(path, f"not an event field; use one of {sorted(_TOP_LEVEL)}")
        if in_or and key in _OPERATORS:
            raise InvalidInput(path, f"{key!r} is a filter's name, and cannot be a field inside $or")
        if isinstance(value, dict):
            _check_object(value, path, in_or=in_or)
        elif isinstance(value, list):
            if not value:
                raise InvalidInput(path, "must list at least one value")
            for i, f in enumerate(value):
                _check_filter(f, f"{path}[{i}]")
        else:
            raise InvalidInput(path, 'values are lists, as in EventBridge\'s patterns: ["value"]')


def _check_or(value: Any, path: str, top: bool) -> None:
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(b, dict) for b in value):
        raise InvalidInput(path, "must list two or more objects, any of which may match")
    for i, branch in enumerate(value):
        _check_object(branch, f"{path}[{i}]", top=top, in_or=True)


def _check_filter(f: Any, path: str) -> None:
    if f is None or isinstance(f, str | bool) or _is_number(f):
        return
    if not isinstance(f, dict) or len(f) != 1 or next(iter(f)) not in _OPERATORS:
        raise InvalidInput(path, f'a value, or one of {sorted(_OPERATORS)} such as {{"prefix": "nightly-"}}')
    name, value = next(iter(f.items()))
    where = f"{path}.{name}"
    if name in ("prefix", "suffix"):
        if isinstance(value, dict) and list(value) == ["equals-ignore-case"]:
            _need_string(value["equals-ignore-case"], f"{where}.equals-ignore-case")
        else:
            _need_string(value, where, 'must be a string, or {"equals-ignore-case": "..."}')
    elif name == "equals-ignore-case":
        _need_string(value, where)
    elif name == "wildcard":
        _check_wildcard(value, where)
    elif name == "anything-but":
        _check_anything_but(value, where)
    elif name == "numeric":
        _check_numeric(value, where)
    elif name == "exists":
        if not isinstance(value, bool):
            raise InvalidInput(where, "must be true or false")
    else:  # cidr
        if _network(value) is None:
            raise InvalidInput(where, 'must be an IPv4 or IPv6 network, such as "10.0.0.0/24"')


def _check_anything_but(value: Any, where: str) -> None:
    if isinstance(value, str) or _is_number(value):
        return
    if isinstance(value, list):
        if not value or not (all(isinstance(v, str) for v in value) or all(_is_number(v) for v in value)):
            raise InvalidInput(where, "must list at least one value, all strings or all numbers")
        return
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _ANYTHING_BUT_OF:
        message = f"must be a string, a number, a list of them, or one of {sorted(_ANYTHING_BUT_OF)}"
        raise InvalidInput(where, message + ' with a string or list of strings, such as {"prefix": "test-"}')
    name, inner = next(iter(value.items()))
    values = inner if isinstance(inner, list) else [inner]
    if not values:
        raise InvalidInput(f"{where}.{name}", "must list at least one string")
    for v in values:
        _need_string(v, f"{where}.{name}", "must be a string or a list of strings")
        if name in ("prefix", "suffix") and not v:
            raise InvalidInput(f"{where}.{name}", "must not be empty")
        if name == "wildcard":
            _check_wildcard(v, f"{where}.{name}")


def _check_numeric(value: Any, where: str) -> None:
    if _comparisons(value) is None:
        message = 'must be ["=", n], [">" or ">=", n], ["<" or "<=", n] or [">" or ">=", n, "<" or "<=", m] with n < m'
        raise InvalidInput(where, message)


def _check_wildcard(value: Any, where: str) -> None:
    _need_string(value, where)
    if _wildcard(value) is None:
        raise InvalidInput(where, "no two '*' in a row, and '\\' only before '*' or '\\'")


def _need_string(value: Any, where: str, message: str = "must be a string") -> None:
    if not isinstance(value, str):
        raise InvalidInput(where, message)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _comparisons(value: Any) -> list[tuple[str, float]] | None:
    """A `numeric` filter's comparisons, or None if EventBridge would refuse it."""
    if not isinstance(value, list) or len(value) not in (2, 4):
        return None
    pairs = list(zip(value[::2], value[1::2], strict=True))
    if not all(isinstance(op, str) and _is_number(n) for op, n in pairs):
        return None
    ops = [op for op, _ in pairs]
    if len(pairs) == 1 and (ops[0] in _LOWER | _UPPER or ops[0] == _EQUAL):
        return pairs
    if len(pairs) == 2 and ops[0] in _LOWER and ops[1] in _UPPER and pairs[0][1] < pairs[1][1]:
        return pairs
    return None


def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


# ---- matching ------------------------------------------------------------------------------------


def matches(pattern: Any, event: Any) -> bool:
    """Whether the event matches: every field the pattern names matches one of its filters (and,
    with `$or`, one of its branches). False for anything it cannot judge; never raises."""
    if not isinstance(pattern, dict) or not pattern or not isinstance(event, dict):
        return False
    for key, value in pattern.items():
        if key == OR:
            if not isinstance(value, list) or not any(matches(branch, event) for branch in value):
                return False
        elif isinstance(value, dict):
            if not matches(value, event.get(key)):
                return False
        elif not isinstance(value, list) or not any(_filter_matches(f, key in event, event.get(key)) for f in value):
            return False
    return True


def _leaves(actual: Any) -> list[Any]:
    """The values at a field: an array's elements, or the value itself (an object is no leaf)."""
    values = actual if isinstance(actual, list) else [actual]
    return [v for v in values if not isinstance(v, dict | list)]


def _filter_matches(f: Any, present: bool, actual: Any) -> bool:
    leaves = _leaves(actual) if present else []
    if not isinstance(f, dict):
        return any(_equal(f, v) for v in leaves)
    if len(f) != 1:
        return False
    name, value = next(iter(f.items()))
    if name == "exists":
        return isinstance(value, bool) and bool(leaves) is value
    if name == "anything-but":
        return any(_anything_but(value, v) for v in leaves)
    return any(_named(name, value, v) for v in leaves)


def _equal(expected: Any, actual: Any) -> bool:
    if _is_number(expected) and _is_number(actual):
        return bool(expected == actual)
    return type(expected) is type(actual) and expected == actual  # true is not 1, "1" is not 1


def _named(name: str, value: Any, actual: Any) -> bool:
    if name == "numeric":
        pairs = _comparisons(value)
        return pairs is not None and _is_number(actual) and all(_compare(actual, op, n) for op, n in pairs)
    if name == "cidr":
        network = _network(value)
        return network is not None and _in_network(actual, network)
    if not isinstance(actual, str):
        return False
    if name in ("prefix", "suffix"):
        fold = isinstance(value, dict) and list(value) == ["equals-ignore-case"]
        text = value["equals-ignore-case"] if fold else value
        if not isinstance(text, str):
            return False
        if fold:
            actual, text = actual.casefold(), text.casefold()
        return actual.startswith(text) if name == "prefix" else actual.endswith(text)
    if name == "equals-ignore-case":
        return isinstance(value, str) and actual.casefold() == value.casefold()
    if name == "wildcard":
        regex = _wildcard(value) if isinstance(value, str) else None
        return regex is not None and regex.fullmatch(actual) is not None
    return False


def _anything_but(value: Any, actual: Any) -> bool:
    """The field has a value, and it is none of those excluded; what cannot be judged matches nothing."""
    if isinstance(value, str) or _is_number(value):
        return not _equal(value, actual)
    if isinstance(value, list):
        valid = bool(value) and (all(isinstance(v, str) for v in value) or all(_is_number(v) for v in value))
        return valid and not any(_equal(v, actual) for v in value)
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _ANYTHING_BUT_OF:
        return False
    name, inner = next(iter(value.items()))
    excluded = inner if isinstance(inner, list) else [inner]
    if not excluded or not all(isinstance(v, str) for v in excluded):
        return False
    if name in ("prefix", "suffix") and not all(excluded):
        return False
    if name == "wildcard" and not all(_wildcard(v) for v in excluded):
        return False
    return not any(_named(name, v, actual) for v in excluded)


def _compare(actual: float, op: str, n: float) -> bool:
    return {"<": actual < n, "<=": actual <= n, "=": actual == n, ">=": actual >= n, ">": actual > n}[op]


def _in_network(actual: Any, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    if not isinstance(actual, str):
        return False
    try:
        return ipaddress.ip_address(actual) in network
    except ValueError:
        return False


@lru_cache(maxsize=1024)
def _wildcard(text: str) -> re.Pattern[str] | None:
    """A wildcard as a regex: `*` is any run of characters, `\\*` and `\\\\` are literal; None where
    EventBridge refuses it (two `*` in a row, a `\\` before anything else)."""
    regex, i = [], 0
    while i < len(text):
        c, after = text[i], text[i + 1 : i + 2]
        if c == "*" and after == "*":
            return None
        if c == "\\":
            if after not in ("*", "\\"):
                return None
            c, i = after, i + 1
            regex.append(re.escape(c))
        else:
            regex.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(regex), re.DOTALL)
