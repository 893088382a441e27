from __future__ import annotations

import uuid

import pytest

from heartbeat.domain.tokens import api_key_hash, is_monitor_id, is_token, monitor_id_for, new_api_key, new_token
from heartbeat.usecases.keys import key_from_headers


def test_tokens_are_distinct_uuid4s() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in list(tokens)[:50]:
        assert uuid.UUID(token).version == 4 and is_token(token)


def test_monitor_id_is_derived_from_the_token_and_does_not_contain_it() -> None:
    token = new_token()
    monitor_id = monitor_id_for(token)
    assert is_monitor_id(monitor_id) and monitor_id == monitor_id_for(token)
    assert token.replace("-", "") not in monitor_id


@pytest.mark.parametrize(
    "value",
    [
        "",
        "x",
        "3F6C5E0A-8D5B-4C1E-9A7F-2B8D4E6F1A2C",
        "3f6c5e0a-8d5b-1c1e-9a7f-2b8d4e6f1a2c",
        "3f6c5e0a8d5b4c1e9a7f2b8d4e6f1a2c",
    ],
)
def test_anything_but_a_lowercase_uuid4_is_not_a_token(value: str) -> None:
    assert not is_token(value)


def test_api_keys_have_256_bits_and_a_prefix_and_a_keyed_hash() -> None:
    key = new_api_key()
    assert key.startswith("hb_") and len(key) >= 3 + 43
    assert api_key_hash(key, b"s1") == api_key_hash(key, b"s1") != api_key_hash(new_api_key(), b"s1")
    assert api_key_hash(key, b"s1") != api_key_hash(key, b"s2")  # the secret matters, not only the key


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Api-Key": "k1"}, "k1"),
        ({"x-api-key": " k1 "}, "k1"),
        ({"Authorization": "Bearer k2"}, "k2"),
        ({"authorization": "bearer   k2"}, "k2"),
        ({"authorization": "Basic k2"}, None),
        ({"authorization": "Bearer "}, None),
        ({}, None),
    ],
)
def test_key_from_headers(headers: dict[str, str], expected: str | None) -> None:
    assert key_from_headers(headers) == expected
