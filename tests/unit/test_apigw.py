from __future__ import annotations

import base64

from heartbeat_local.apigw import http_event, http_response
from heartbeat_local.template import Template


def route(template: Template, key: str):  # type: ignore[no-untyped-def]
    return next(r for r in template.routes() if r.route_key == key)


def test_event_has_the_v2_shape(template: Template) -> None:
    r = route(template, "GET /api/v1/monitors")
    event = http_event(
        r,
        {},
        "GET",
        "/api/v1/monitors",
        "limit=2&tag=a&tag=b",
        [("X-Api-Key", "k"), ("Cookie", "a=1; b=2")],
        b"",
        "127.0.0.1",
        "127.0.0.1:3000",
    )
    assert event["version"] == "2.0" and event["routeKey"] == "GET /api/v1/monitors"
    assert event["headers"]["x-api-key"] == "k"
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"limit": "2", "tag": "a,b"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert "body" not in event


def test_binary_body_is_base64_and_text_is_not(template: Template) -> None:
    r = route(template, "ANY /ping/{token}")
    text = http_event(r, {"token": "t"}, "POST", "/ping/t", "", [("content-type", "text/plain")], b"hi", "ip", "d")
    assert text["body"] == "hi" and text["isBase64Encoded"] is False
    raw = b"\xff\x00"
    binary = http_event(r, {"token": "t"}, "POST", "/ping/t", "", [], raw, "ip", "d")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == raw


def test_most_specific_route_wins(template: Template) -> None:
    matches = [r.route_key for r in template.routes() if r.match("POST", "/api/v1/monitors/abc/pause") is not None]
    assert matches[0] == "POST /api/v1/monitors/{monitor_id}/pause"


def test_response_conversion() -> None:
    assert http_response({"statusCode": 204, "headers": {"a": "b"}, "body": ""}) == (204, [("a", "b")], b"")
    status, _, body = http_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00").decode(), "isBase64Encoded": True}
    )
    assert (status, body) == (200, b"\x00")
    assert http_response({"x": 1})[0] == 200
