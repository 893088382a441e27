"""Hostile request bodies: every route answers a 4xx JSON error, never a 5xx, and stores nothing.

test_openapi.py fuzzes with JSON values; here the bodies are raw bytes: random ones, invalid UTF-8,
nesting past any parser's stack, numbers JSON cannot carry, keys given twice, the wrong top-level
type, and bodies API Gateway marks base64 that are not. `make soak` runs 20 times the examples.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heartbeat_local.openapi import CHECKED_IN
from tests.harness import Stack

DOC = json.loads(CHECKED_IN.read_text())
OPERATIONS = [(method.upper(), path) for path, ops in DOC["paths"].items() for method in ops]
EXAMPLES = 20  # per route
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"
MONITORS = "/api/v1/monitors"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def is_plausible_request(raw: bytes) -> bool:
    """Bytes that are an ordinary JSON object or null: not hostile, and a route may act on them."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return value is None or isinstance(value, dict)


FIELDS = st.sampled_from(["name", "config", "expectedInterval", "gracePeriod", "version", "monitors", "role"])
NUMBERS = st.sampled_from([b"1e999", b"-1e999", b"9" * 400, b"-" + b"9" * 400, b"NaN", b"Infinity", b"2" * 17])
HOSTILE = st.one_of(
    st.binary(min_size=1, max_size=300).filter(lambda raw: not is_plausible_request(raw)),
    st.binary(min_size=1, max_size=40).map(lambda raw: b'{"name": "' + raw + b'\xff"}'),  # not UTF-8
    st.integers(33, 6_000).map(nested),
    st.integers(33, 2_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.builds(lambda k, n: b'{"' + k.encode() + b'": ' + n + b"}", FIELDS, NUMBERS),
    NUMBERS,
    FIELDS.map(lambda k: f'{{"{k}": "a", "{k}": "b"}}'.encode()),
    st.sampled_from([b"[]", b'"text"', b"42", b"3.5", b"true", b"false", b"[{}]", b'["name"]']),
)
JUNK_BASE64 = st.text(alphabet="!#$%&*-_.~ \n", min_size=1, max_size=40)
CONTENT_TYPES = st.sampled_from(["application/json", "text/plain", "application/octet-stream", ""])


def table_items(stack: Stack) -> list[dict[str, Any]]:
    pages = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.refs["Table"], ConsistentRead=True)
    return sorted((item for page in pages for item in page["Items"]), key=lambda item: repr(sorted(item.items())))


def assert_refused(reply: Any, *statuses: int) -> dict[str, Any]:
    assert reply.status in statuses, (reply.status, reply.body[:300])
    assert reply.headers["content-type"].startswith("application/json")
    error = reply.json()["error"]
    if isinstance(error, str):  # the Healthchecks-compatible routes answer as Healthchecks: {"error": "..."}
        assert error
        return {"code": "healthchecks", "message": error}
    assert error["code"] and error["message"]
    return error


def resources(stack: Stack) -> dict[str, str]:
    """One of everything a path names, so each route is reached with real ids and keys."""
    monitor = stack.create_monitor(name="hostile target")
    stack.ping(monitor["token"], method="POST", body="hello")
    read = stack.request("POST", "/api/v1/keys", {"name": "hostile", "role": "read"}).json()
    queue = stack.sqs.create_queue(QueueName="hostile")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = stack.request("POST", "/api/v1/subscriptions", {"protocol": "sqs", "endpoint": arn}).json()
    window = {"name": "hostile", "monitors": [monitor["id"]], "cron": "0 2 * * *", "duration": 3600}
    window_id = stack.request("POST", "/api/v1/maintenance-windows", window).json()["id"]
    stack.request("GET", "/api/v1/ping-key")  # made on first read: made now, so reads later write nothing
    return {
        "monitor_id": monitor["id"],
        "n": "1",
        "key_id": read["id"],
        "subscription_id": subscription["id"],
        "window_id": window_id,
        "badge_key": stack.request("GET", "/api/v1/badge-key").json()["badgeKey"],
        "badge_file": "hostile-target.svg",
        "states": "3",
        "read_key": read["key"],
        "v": "v3",
        "code": monitor["token"],
        "number": "1",
    }


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_route_refuses_hostile_bytes_and_stores_nothing(stack: Stack, method: str, path: str) -> None:
    url = path.format(**resources(stack))
    before = table_items(stack)

    @settings(
        max_examples=EXAMPLES * (20 if SOAK else 1),
        derandomize=not SOAK,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(raw=HOSTILE, junk=st.none() | JUNK_BASE64, content_type=CONTENT_TYPES)
    def call(raw: bytes, junk: str | None, content_type: str) -> None:
        def mark_base64_junk(event: dict[str, Any]) -> None:
            event.update(body=junk, isBase64Encoded=True)

        headers = {"content-type": content_type} if content_type else {}
        reply = stack.request(method, url, raw, headers=headers, edit=mark_base64_junk if junk else None)
        # 400: not JSON at all; 422: JSON of the wrong shape, or a body sent to a route that takes none
        # (the Healthchecks-compatible routes answer 400 for both, as Healthchecks does).
        assert_refused(reply, 400, 422)
        assert table_items(stack) == before, (method, url, raw[:100])

    call()


# ---- the cases reported, one by one ---------------------------------------------------------------


def test_a_body_that_is_not_utf8_is_400_not_500(stack: Stack) -> None:
    reply = stack.request("POST", MONITORS, b"\xff\xfe", headers={"content-type": "application/json"})
    error = assert_refused(reply, 400)
    assert error["code"] == "invalid_json" and "not UTF-8" in error["message"]
    assert stack.request("GET", MONITORS).json()["items"] == []


def test_nesting_5000_deep_is_400_not_500(stack: Stack) -> None:
    reply = stack.request("POST", MONITORS, nested(5_000), headers={"content-type": "application/json"})
    error = assert_refused(reply, 400)
    assert error["code"] == "invalid_json" and "nests deeper than 32 levels" in error["message"]
    assert stack.request("GET", MONITORS).json()["items"] == []


def test_a_body_marked_base64_that_is_not_is_400_on_the_api_and_on_pings(stack: Stack) -> None:
    def junk(event: dict[str, Any]) -> None:
        event.update(body="!!!", isBase64Encoded=True)

    assert assert_refused(stack.request("POST", MONITORS, "{}", edit=junk), 400)["code"] == "invalid_json"
    monitor = stack.create_monitor()
    reply = stack.request("POST", f"/api/v1/heartbeat/{monitor['token']}", "x", key=None, edit=junk)
    assert assert_refused(reply, 400)["code"] == "invalid_body"
    assert stack.request("GET", f"{MONITORS}/{monitor['id']}/pings").json()["items"] == []


def test_a_stray_body_on_a_route_that_takes_none_is_422_and_does_nothing(stack: Stack) -> None:
    monitor = stack.create_monitor()
    doc = {"version": "1", "monitors": [{"name": "meant for /apply"}]}
    reply = stack.request("POST", f"{MONITORS}/{monitor['id']}/pause", doc)
    assert assert_refused(reply, 422)["details"] == [{"field": "body", "message": "this route takes no body"}]
    assert stack.request("GET", f"{MONITORS}/{monitor['id']}").json()["status"] != "paused"
    # An empty object or null is what some clients send with every POST: no body, as far as the route goes.
    for empty in ("{}", "null"):
        assert stack.request("POST", f"{MONITORS}/{monitor['id']}/pause", empty).status == 200


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": None}, "name"),
        ({"slug": None}, "slug"),
        ({"tags": None}, "tags"),
        ({"config": None}, "config"),
        ({"config": {"gracePeriod": None}}, "config.gracePeriod"),
        ({"config": {"expectedInterval": None}}, "config.expectedInterval"),
    ],
)
def test_a_patch_that_sets_a_required_field_to_null_is_422_naming_it(
    stack: Stack, patch: dict[str, Any], field: str
) -> None:
    monitor = stack.create_monitor(tags=["prod"])
    before = stack.request("GET", f"{MONITORS}/{monitor['id']}").json()
    reply = stack.request("PATCH", f"{MONITORS}/{monitor['id']}", patch)
    error = assert_refused(reply, 422)
    assert [d["field"] for d in error["details"]] == [field]
    assert "cannot be null" in error["details"][0]["message"]
    assert stack.request("GET", f"{MONITORS}/{monitor['id']}").json() == before


def test_null_still_turns_optional_settings_off(stack: Stack) -> None:
    monitor = stack.create_monitor(config_extra={"maxRuntime": 600, "minInterval": 30, "realertInterval": 3600})
    patch = {"config": {"maxRuntime": None, "minInterval": None, "realertInterval": None}}
    reply = stack.request("PATCH", f"{MONITORS}/{monitor['id']}", patch)
    assert reply.status == 200
    config = reply.json()["config"]
    assert config["maxRuntime"] is None and config["minInterval"] is None and config["realertInterval"] is None
