"""API keys: created (shown once), listed (never the key), revoked; stored only as a keyed hash."""

from __future__ import annotations

import hashlib

import boto3
import pytest

import heartbeat_cli as cli
from heartbeat.adapters.secrets import secret_from
from heartbeat.domain.errors import Unavailable
from tests.harness import HandlerApi, Request, Stack

KEYS = "/api/v1/keys"


def test_a_key_is_shown_once_works_and_stops_working_when_revoked(stack: Stack) -> None:
    made = stack.request("POST", KEYS, {"name": "ci", "role": "read"})
    assert made.status == 201
    body = made.json()
    key = body["key"]
    assert key.startswith("hb_") and body["prefix"] == key[:8] and body["role"] == "read"
    assert stack.request("GET", "/api/v1/monitors", key=key).status == 200
    listed = stack.request("GET", KEYS).json()["items"]
    assert sorted(k["name"] for k in listed) == ["ci", "test-admin"]
    assert all("key" not in k for k in listed) and key.encode() not in stack.request("GET", KEYS).body

    assert stack.request("DELETE", f"{KEYS}/{body['id']}").status == 204
    reply = stack.request("GET", "/api/v1/monitors", key=key)
    assert reply.status == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert stack.request("DELETE", f"{KEYS}/{body['id']}").status == 404


def test_the_table_holds_a_keyed_hash_never_the_key_nor_its_plain_digest(stack: Stack) -> None:
    key = stack.request("POST", KEYS, {"name": "ci", "role": "admin"}).json()["key"]
    items = stack.dynamodb.scan(TableName=stack.refs["Table"])["Items"]
    dump = str(items)
    assert key not in dump and hashlib.sha256(key.encode()).hexdigest() not in dump
    assert any(i["pk"]["S"].startswith("KEY#") for i in items)


def test_keys_are_for_admin_keys_only(stack: Stack) -> None:
    read_key = stack.make_key("read")
    assert stack.request("GET", KEYS, key=read_key).status == 403
    assert stack.request("POST", KEYS, {"name": "x", "role": "admin"}, key=read_key).status == 403
    assert stack.request("GET", KEYS, key=None).status == 401


def test_the_last_admin_key_cannot_be_revoked(stack: Stack) -> None:
    [admin] = stack.request("GET", KEYS).json()["items"]
    reply = stack.request("DELETE", f"{KEYS}/{admin['id']}")
    assert reply.status == 409 and "last admin key" in reply.json()["error"]["message"]
    second = stack.request("POST", KEYS, {"name": "second admin", "role": "admin"}).json()
    assert stack.request("DELETE", f"{KEYS}/{admin['id']}").status == 204
    assert stack.request("GET", KEYS, key=second["key"]).status == 200


def test_a_bad_role_or_name_is_422(stack: Stack) -> None:
    assert stack.request("POST", KEYS, {"name": "x", "role": "owner"}).status == 422
    assert stack.request("POST", KEYS, {"name": "", "role": "read"}).status == 422


def test_the_cli_creates_lists_and_revokes(stack: Stack) -> None:
    api = HandlerApi(stack)
    out = cli.run(["keys", "create", "--name", "ci", "--role", "read"], api=api)
    key = out.splitlines()[0]
    assert key.startswith("hb_") and "only time the key is shown" in out
    listing = cli.run(["keys", "list"], api=api)
    assert "ci" in listing and key not in listing and key[:8] in listing
    key_id = next(k["id"] for k in stack.request("GET", KEYS).json()["items"] if k["name"] == "ci")
    assert cli.run(["keys", "revoke", key_id], api=api) == f"revoked {key_id}"


def test_more_keys_than_one_index_page_are_all_listed(stack: Stack) -> None:
    ring = stack.modules["ApiFunction"].deps.keyring
    for i in range(105):
        ring.create(f"k{i:03d}", "read", stack.clock.advance(0.001))
    names = [k["name"] for k in stack.request("GET", KEYS).json()["items"]]
    assert len(names) == 106 and names[1:] == [f"k{i:03d}" for i in range(105)]


def test_a_secret_secrets_manager_cannot_give_is_unavailable_and_tried_again(aws: None) -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    load = secret_from(client, "heartbeat-key-secret")
    with pytest.raises(Unavailable) as raised:
        load()
    assert raised.value.code == "ResourceNotFoundException"
    client.create_secret(Name="heartbeat-key-secret", SecretString="s3cret")
    assert load() == b"s3cret"  # the failure was not remembered
    client.put_secret_value(SecretId="heartbeat-key-secret", SecretString="rotated")
    assert load() == b"s3cret"  # the value is, for the Lambda's life


def test_the_last_two_admin_keys_revoked_at_once_leave_one(stack: Stack) -> None:
    """Issue 26: each admin key revokes the other at the same instant; one request must lose (409),
    or no admin key would be left and nobody could make another."""
    ring = stack.modules["ApiFunction"].deps.keyring
    for rounds in range(10):
        for k in ring.list():
            stack.store.api_keys.delete(k)
        (a, made_a), (b, made_b) = (ring.create(f"admin {rounds}{x}", "admin", stack.clock()) for x in "ab")

        replies = stack.at_once(
            Request("DELETE", f"{KEYS}/{made_b.id}", key=a), Request("DELETE", f"{KEYS}/{made_a.id}", key=b)
        )

        # The loser is refused as the last admin key (409), or, if its own key went first, as unknown (401)
        statuses = sorted(r.status for r in replies)
        assert statuses in ([204, 401], [204, 409]), (rounds, [r.body for r in replies])
        [left] = ring.list()
        assert left.role == "admin" and stack.request("GET", KEYS, key=a if left.id == made_a.id else b).status == 200
