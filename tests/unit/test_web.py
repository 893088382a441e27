"""The one body decoder: strict I-JSON, so no request body can crash a handler or be read two ways."""

from __future__ import annotations

import base64

import pytest

from heartbeat.domain.errors import MalformedBody
from heartbeat.web import MAX_DEPTH, MAX_SAFE_INTEGER, body_bytes, decode_json, error_body, error_json


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_ordinary_json_decodes_as_json_loads_would() -> None:
    raw = '{"name": "Nightly \\u00e9", "config": {"gracePeriod": 3600, "ratio": 0.5}, "tags": ["a"], "x": null}'
    assert decode_json(raw.encode()) == {
        "name": "Nightly \u00e9",
        "config": {"gracePeriod": 3600, "ratio": 0.5},
        "tags": ["a"],
        "x": None,
    }


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff\xfe", "not UTF-8 (byte 0)"),
        (b'{"name": "\xed\xa0\x80"}', "not UTF-8"),  # an encoded surrogate
        (nested(5_000), f"nests deeper than {MAX_DEPTH}"),
        (nested(MAX_DEPTH + 1), f"nests deeper than {MAX_DEPTH}"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, f"nests deeper than {MAX_DEPTH}"),
        (b"1e999", "out of range"),
        (b'{"gracePeriod": -1e999}', "out of range"),
        (b"NaN", "NaN is not a JSON number"),
        (b"[Infinity]", "Infinity is not a JSON number"),
        (b"9" * 400, "past 2**53 - 1"),
        (b"9" * 100_000, "past 2**53 - 1"),  # refused by its length, before int() reads it
        (str(MAX_SAFE_INTEGER + 1).encode(), "past 2**53 - 1"),
        (b'{"name": "a", "name": "b"}', 'the key "name" is given twice'),
        (b'[{"config": {"x": 1, "x": 1}}]', 'the key "x" is given twice'),
        (b"{not json", "not valid JSON"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),  # a byte-order mark: not I-JSON
    ],
)
def test_hostile_bodies_are_refused_with_a_reason(raw: bytes, says: str) -> None:
    with pytest.raises(MalformedBody) as refused:
        decode_json(raw)
    assert says in str(refused.value)


def test_the_limits_themselves_are_accepted() -> None:
    assert decode_json(nested(MAX_DEPTH)) is not None
    assert decode_json(str(MAX_SAFE_INTEGER).encode()) == MAX_SAFE_INTEGER
    assert decode_json(str(-MAX_SAFE_INTEGER).encode()) == -MAX_SAFE_INTEGER
    assert decode_json(b"1.7976931348623157e308") == 1.7976931348623157e308
    assert decode_json(b'{"a": {"a": 1}}') == {"a": {"a": 1}}  # one key per object, however often it recurs


def test_body_bytes_reads_what_api_gateway_hands_over() -> None:
    assert body_bytes(None, False) == b"" and body_bytes("", True) == b""
    assert body_bytes("caf\u00e9", False) == "caf\u00e9".encode()
    assert body_bytes(base64.b64encode(b"\xff\xfe").decode(), True) == b"\xff\xfe"
    for junk in ("!!!not base64", "abc", "YWJj\n#"):
        with pytest.raises(MalformedBody, match="marked base64"):
            body_bytes(junk, True)


def test_error_body_has_one_shape() -> None:
    assert error_body("invalid_json", "bad") == {"error": {"code": "invalid_json", "message": "bad"}}
    details = [{"field": "name", "message": "required"}]
    assert error_body("validation_error", "bad", details)["error"]["details"] == details


def test_an_error_answered_without_the_resolver_is_written_as_the_resolver_writes_it() -> None:
    assert error_json("invalid_json", 'the key "a" is given twice') == (
        '{"error":{"code":"invalid_json","message":"the key \\"a\\" is given twice"}}'
    )
