"""EventBridge event patterns, as a monitor's `config.events` holds them: checked when they are set,
and matched against an event as EventBridge matches a rule's pattern (the subset that selects runs:
exact values, `prefix`, `suffix`, `anything-but`, `equals-ignore-case`, `exists`, `numeric`).

Pure: no AWS call. The template's rule brings only the supported sources' run events to the
events function; these patterns then say which monitor a run belongs to.
"""

from __future__ import annotations

import json
from typing import Any

from heartbeat.domain.errors import InvalidInput

# The sources the template's rule forwards (and the pattern's `source` must name one of).
SOURCES = ("aws.ecs", "aws.batch", "aws.states", "aws.glue", "aws.codebuild", "lambda")
MAX_PATTERNS = 10
MAX_PATTERN_CHARS = 2048  # one pattern as JSON (EventBridge allows 4,096 for a whole rule's)
_TOP_LEVEL = {"source", "detail-type", "account", "region", "resources", "detail", "id", "time", "version"}
_NAMED = {"prefix", "suffix", "anything-but", "equals-ignore-case", "exists", "numeric"}


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
    unknown = set(pattern) - _TOP_LEVEL
    if unknown:
        raise InvalidInput(f"{field}.{sorted(unknown)[0]}", f"not an event field; use one of {sorted(_TOP_LEVEL)}")
    sources = pattern.get("source")
    if not isinstance(sources, list) or not sources or not all(s in SOURCES for s in sources):
        raise InvalidInput(f"{field}.source", f"must list one or more of {', '.join(SOURCES)}")
    _check_node(pattern, field)


def _check_node(node: dict[str, Any], field: str) -> None:
    for key, value in node.items():
        path = f"{field}.{key}"
        if not isinstance(key, str) or not key:
            raise InvalidInput(field, "keys must be non-empty strings")
        if isinstance(value, dict):
            if not value:
                raise InvalidInput(path, "must not be empty")
            _check_node(value, path)
        elif isinstance(value, list):
            if not value:
                raise InvalidInput(path, "must list at least one value")
            for i, f in enumerate(value):
                _check_filter(f, f"{path}[{i}]")
        else:
            raise InvalidInput(path, 'values are lists, as in EventBridge\'s patterns: ["value"]')


def _check_filter(f: Any, path: str) -> None:
    if f is None or isinstance(f, str | int | float | bool):
        return
    if not isinstance(f, dict) or len(f) != 1 or next(iter(f)) not in _NAMED:
        raise InvalidInput(path, f'a value, or one of {sorted(_NAMED)} such as {{"prefix": "nightly-"}}')
    name, value = next(iter(f.items()))
    if name == "exists" and not isinstance(value, bool):
        raise InvalidInput(f"{path}.exists", "must be true or false")
    if name in ("prefix", "suffix", "equals-ignore-case") and not isinstance(value, str):
        raise InvalidInput(f"{path}.{name}", "must be a string")
    if name == "numeric" and not (isinstance(value, list) and len(value) in (2, 4)):
        raise InvalidInput(f"{path}.numeric", 'must be ["<op>", n] or ["<op>", n, "<op>", n]')


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether the event matches: every field the pattern names matches one of its values."""
    for key, value in pattern.items():
        present = isinstance(event, dict) and key in event
        actual = event.get(key) if present else None
        if isinstance(value, dict):
            if not isinstance(actual, dict) or not matches(value, actual):
                return False
        elif not any(_filter_matches(f, present, actual) for f in value):
            return False
    return True


def _filter_matches(f: Any, present: bool, actual: Any) -> bool:
    if isinstance(f, dict):
        name, value = next(iter(f.items()))
        if name == "exists":
            return present is value
        if not present:
            return False
        return any(_named(name, value, v) for v in (actual if isinstance(actual, list) else [actual]))
    if not present:
        return False
    if isinstance(actual, list):
        return f in actual
    return actual == f and isinstance(actual, bool) == isinstance(f, bool)  # true is not 1


def _named(name: str, value: Any, actual: Any) -> bool:
    if name == "prefix":
        return isinstance(actual, str) and actual.startswith(value)
    if name == "suffix":
        return isinstance(actual, str) and actual.endswith(value)
    if name == "equals-ignore-case":
        return isinstance(actual, str) and actual.casefold() == value.casefold()
    if name == "anything-but":
        excluded = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            return not _named(*next(iter(value.items())), actual)
        return actual not in excluded
    if name == "numeric":
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        ops = {"<": actual.__lt__, "<=": actual.__le__, "=": actual.__eq__, ">=": actual.__ge__, ">": actual.__gt__}
        return all(ops[op](n) is True for op, n in zip(value[::2], value[1::2], strict=True))
    return False
