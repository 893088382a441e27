"""The local stack's state directory: what survives a restart of `make dev`.

    table.json          every item of the table, as a Scan returns them
    dead-letters.json   what sits in the template's queues (its dead-letter queues): alerts no target
                        took, run events the events function could not record
    api-key-secret      the secret API keys are hashed with: keys made in one run work in the next
    admin-key           the local admin key, when make dev made it

Every file holds secrets (ping tokens, chat webhooks, keys): each is written whole (a temporary file
renamed over it, so a crash mid-save leaves the previous one) and readable by its owner only.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "us-east-1"
FRESH = "restore it, or start empty with `make dev FRESH=1`"


class StateError(Exception):
    """A state file the stack cannot start from; the message names it and says what to do."""


def write_private(path: Path, text: str) -> None:
    """`text` as the whole of `path`, mode 0600 from the first byte, or the previous file unchanged."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a temporary file left by a crash keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def owner_only(path: Path) -> None:
    """A file saved by an older stack (mode 0644) made its owner's alone."""
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)


# ---- the table ---------------------------------------------------------------------------------


def _bytes_to_json(value: bytes) -> dict[str, str]:
    return {"__bytes__": base64.b64encode(value).decode()}


def _bytes_from_json(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__bytes__"]) if set(value) == {"__bytes__"} else value


def table_items(table: str) -> list[dict[str, Any]]:
    """Every item of a local table, as boto3 returns them, read from moto's memory.

    Not a Scan: moto's server serializes a response attribute by attribute in pure Python (3.5 ms an
    item measured), so a table grown to 50,000 ping events took minutes to save, holding the
    interpreter while the pings waited. Each list() copies in C, in one step, so writes made
    meanwhile by the server's threads cannot break the loop.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    stored = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table)
    return [
        {name: _boto3_value(value) for name, value in list(item.attrs.items())}
        for by_sort_key in list(stored.items.values())
        for item in list(by_sort_key.values())
    ]


def _boto3_value(value: Any) -> dict[str, Any]:
    """A moto attribute value in boto3's shape (the test of the saved state pins that they agree)."""
    kind, raw = value.type, value.value
    if kind == "M":
        return {"M": {k: _boto3_value(v) for k, v in list(raw.items())}}
    if kind == "L":
        return {"L": [_boto3_value(v) for v in list(raw)]}
    return {kind: list(raw) if isinstance(raw, list) else raw}  # sets are lists in both


def save_table(table: str, path: Path) -> int:
    items = table_items(table)
    write_private(path, json.dumps(items, default=_bytes_to_json))
    return len(items)


def read_table(path: Path) -> list[dict[str, Any]]:
    """The saved items (none if there is no file), or StateError naming the file."""
    doc = _read_json(path, [])
    if not isinstance(doc, list) or not all(
        isinstance(i, dict) and isinstance(i.get("pk"), dict) and isinstance(i.get("sk"), dict) for i in doc
    ):
        raise StateError(f"{path} is not a saved table (a list of items with pk and sk): {FRESH}")
    return doc


def put_items(dynamodb: Any, table: str, items: list[dict[str, Any]], path: Path) -> int:
    from botocore.exceptions import ClientError, ParamValidationError

    try:
        for start in range(0, len(items), 25):
            request = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
            while request:
                request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    except (ClientError, ParamValidationError) as e:
        raise StateError(f"{path} holds an item DynamoDB refuses ({str(e).splitlines()[0]}): {FRESH}") from None
    return len(items)


def load_table(dynamodb: Any, table: str, path: Path) -> int:
    return put_items(dynamodb, table, read_table(path), path)


# ---- the dead-letter queues --------------------------------------------------------------------


def queue_letters(queues: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Queue (logical id) -> each message in it, in view or taken for a while, as its body and
    attributes; read from moto's memory, as the table is (ReceiveMessage would miss the taken ones)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]
    return {
        logical_id: [
            {"body": m.body, "attributes": dict(m.message_attributes)} for m in list(backend.queues[name]._messages)
        ]
        for logical_id, name in queues.items()
    }


def letters_json(letters: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(letters, default=_bytes_to_json, sort_keys=True)


def read_letters(path: Path) -> dict[str, list[dict[str, Any]]]:
    doc = _read_json(path, {})
    if not isinstance(doc, dict) or not all(
        isinstance(letters, list)
        and all(isinstance(m, dict) and isinstance(m.get("body"), str) and isinstance(m.get("attributes"), dict)
                for m in letters)
        for letters in doc.values()
    ):  # fmt: skip
        raise StateError(f"{path} is not a saved set of queues (queue -> list of body and attributes): {FRESH}")
    return doc


def send_letters(sqs: Any, queue_urls: dict[str, str], letters: dict[str, list[dict[str, Any]]]) -> int:
    """Each saved message back in its queue (one the template no longer has is dropped)."""
    sent = 0
    for logical_id, messages in letters.items():
        for m in messages if logical_id in queue_urls else []:
            kwargs = {"MessageAttributes": m["attributes"]} if m["attributes"] else {}
            sqs.send_message(QueueUrl=queue_urls[logical_id], MessageBody=m["body"], **kwargs)
            sent += 1
    return sent


# ---- the directory -----------------------------------------------------------------------------


@dataclass
class Saved:
    items: list[dict[str, Any]] = field(default_factory=list)
    letters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    key_secret: str | None = None  # None: make one (no saved keys depend on it)
    admin_key: str | None = None


class StateDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.table = path / "table.json"
        self.letters = path / "dead-letters.json"
        self.key_secret = path / "api-key-secret"
        self.admin_key = path / "admin-key"

    def forget(self) -> None:
        """What `make dev FRESH=1` deletes: everything but the hashing secret, which a new one replaces."""
        for path in (self.table, self.letters, self.admin_key):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def read(self) -> Saved:
        """Everything saved, checked before the stack starts: StateError names a file it cannot use."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (self.table, self.letters, self.key_secret, self.admin_key):
            owner_only(path)
        saved = Saved(read_table(self.table), read_letters(self.letters))
        if saved.items:
            # Every stored key is a hash under this secret: without it, none of them would work.
            secret = _read_text(self.key_secret)
            if not secret:
                raise StateError(
                    f"{self.key_secret} is missing or empty, and the API keys saved in {self.table} were hashed "
                    f"with it: {FRESH}"
                )
            saved.key_secret = secret
            saved.admin_key = _read_text(self.admin_key) or None
        return saved

    def save_secret(self, secret: str) -> None:
        write_private(self.key_secret, secret + "\n")

    def save_admin_key(self, key: str) -> None:
        write_private(self.admin_key, key + "\n")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as e:
        raise StateError(f"cannot read {path} ({e}): {FRESH}") from None


def _read_json(path: Path, missing: Any) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return missing
    except (OSError, UnicodeDecodeError) as e:
        raise StateError(f"cannot read {path} ({e}): {FRESH}") from None
    try:
        return json.loads(text, object_hook=_bytes_from_json)
    except json.JSONDecodeError as e:
        why = f"is not JSON ({e.msg} at line {e.lineno}; cut short?)"
    except RecursionError:
        why = "nests too deeply to read"
    except ValueError as e:  # a __bytes__ value that is not base64
        why = f"holds a binary value that is not base64 ({e})"
    raise StateError(f"{path} {why}: {FRESH}")
