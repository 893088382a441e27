"""The OpenAPI document: generated from the routes, served, checked in, and held to by fuzzing.

Every route in docs/openapi.json is called with requests generated from the document itself
(valid bodies from the schemas, and arbitrary JSON that is not), and must answer below 500 with a
body that its documented schema for that status accepts.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from heartbeat.domain.badges import check_badge_key
from heartbeat_local.openapi import CHECKED_IN, generate, management_document
from tests.harness import Stack

DOC = json.loads(CHECKED_IN.read_text())
OPERATIONS = [(method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()]
EXAMPLES = 25  # per route; `make soak` is the place for more
# The same examples on every run of `make test` (CI stays reproducible); `make soak` explores anew.
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"


def with_components(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that resolves its $refs against the document's components."""
    return {**schema, "components": DOC["components"]}


def test_the_checked_in_document_is_the_generated_one() -> None:
    assert generate() == DOC, "docs/openapi.json is stale: run `make openapi`"


def test_the_document_and_its_viewer_are_served_without_a_key(stack: Stack) -> None:
    served = stack.request("GET", "/api/v1/openapi.json", key=None)
    assert served.status == 200 and served.json() == management_document()
    # The checked-in document is that plus the Healthchecks-compatible routes, which another function serves
    assert {p: ops for p, ops in DOC["paths"].items() if p in served.json()["paths"]} == served.json()["paths"]
    page = stack.request("GET", "/api/v1/docs", key=None)
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b"swagger-ui-bundle.js" in page.body  # served from the deployment: test_dashboard_assets.py


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )


def documented_examples(schema: dict[str, Any] | None) -> list[Any]:
    ref = (schema or {}).get("$ref", "")
    return list(DOC["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("examples", [])) if ref else []


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_route_answers_fuzzed_requests_within_its_documented_schema(
    stack: Stack, method: str, path: str, op: dict[str, Any]
) -> None:
    made = stack.create_monitor(name="fuzz target")
    stack.ping(made["token"], method="POST", body="hello")
    stack.ping(made["token"], "/fail")

    if path == "/api/{v}/checks/{code}/resume":
        stack.request("POST", f"/api/v1/monitors/{made['id']}/pause")  # Healthchecks resumes only a paused check
    spare = stack.request("POST", "/api/v1/keys", {"name": "fuzz", "role": "read"}).json()
    spare_key = spare["id"]
    badge_key = stack.request("GET", "/api/v1/badge-key").json()["badgeKey"]
    queue = stack.sqs.create_queue(QueueName="fuzz")["QueueUrl"]
    queue_arn = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    spare_sub = stack.request("POST", "/api/v1/subscriptions", {"protocol": "sqs", "endpoint": queue_arn}).json()["id"]
    window = {"name": "fuzz", "monitors": [made["id"]], "cron": "0 2 * * *", "duration": 3600}
    spare_window = stack.request("POST", "/api/v1/maintenance-windows", window).json()["id"]
    text = st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t and "?" not in t)
    path_values = {
        "monitor_id": st.sampled_from([made["id"]]) | text,
        "key_id": st.sampled_from([spare_key]) | text,
        "subscription_id": st.sampled_from([spare_sub]) | text,
        "window_id": st.sampled_from([spare_window]) | text,
        "n": st.sampled_from(["1", "2"]) | st.text(max_size=5),
        "badge_key": st.sampled_from([badge_key]) | text,
        # a tag's, or (under /b/) the monitor's own badge key
        "badge_file": st.sampled_from(
            ["x.svg", "x.json", "x.shields", f"{check_badge_key(badge_key, made['id'])}.json"]
        )
        | text,
        "states": st.sampled_from(["2", "3"]) | st.text(max_size=5),
        "read_key": st.sampled_from([spare["key"], stack.admin_key]) | text,
        # The Healthchecks-compatible routes: a version, a check by uuid or unique key, a ping number
        "v": st.sampled_from(["v1", "v2", "v3"]) | text,
        "code": st.sampled_from([made["token"], made["id"]]) | text,
        "number": st.sampled_from(["1", "2"]) | st.text(max_size=5),
    }
    # A query value whose schema says too little to be met by chance (a cron line)
    query_values = {"schedule": st.sampled_from(["30 6 * * 1-5", "@daily"]) | st.text(max_size=40)}
    params: dict[str, st.SearchStrategy[Any]] = {}
    for p in op.get("parameters", []):
        if p["in"] == "path":
            params[p["name"]] = path_values[p["name"]]
        elif p["name"] in query_values:
            params[p["name"]] = query_values[p["name"]]
        else:
            params[p["name"]] = st.none() | from_schema(with_components(p["schema"]))
    body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    bodies = (from_schema(with_components(body_schema)) | json_values()) if body_schema else st.none()
    if examples := documented_examples(body_schema):  # bodies whose fields must agree with each other
        bodies |= st.sampled_from(examples)

    seen: set[int] = set()

    @settings(
        max_examples=EXAMPLES * (20 if SOAK else 1),
        derandomize=not SOAK,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(values=st.fixed_dictionaries(params), body=bodies)
    def call(values: dict[str, Any], body: Any) -> None:
        from urllib.parse import quote, urlencode

        url = path
        query = {}
        for name, value in values.items():
            if "{" + name + "}" in url:
                url = url.replace("{" + name + "}", quote(str(value), safe=""))
            elif value is not None:
                query[name] = json.dumps(value) if isinstance(value, bool) else value
        if query:
            url += "?" + urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()})
        raw = json.dumps(body) if body_schema else None  # any JSON value, not only objects
        reply = stack.request(method, url, raw, headers={"content-type": "application/json"} if raw else None)
        assert reply.status < 500, (method, url, body, reply.body[:300])
        seen.add(reply.status)
        documented = op["responses"].get(str(reply.status))
        if reply.status == 404 and (documented is None or reply.body == b'{"message":"Not Found"}'):
            return  # API Gateway's own 404 for a path no route matches (an id with odd characters)
        assert documented is not None, f"{method} {url} answered {reply.status}, which is not documented"
        content = documented.get("content", {})
        media = reply.headers.get("content-type", "").split(";")[0]
        schema = next((c["schema"] for m, c in content.items() if m.split(";")[0] == media), None)
        if schema is not None and media == "application/json":
            jsonschema.validate(reply.json(), with_components(schema))

    call()
    # The generated requests reach the route's work, not only its validation.
    assert any(200 <= status < 300 for status in seen), seen
