"""The one place that speaks DynamoDB. Single table; see the README's data model.

Every write that can race carries a condition, and the comment above it names the race.
A failed condition comes back as a domain answer (`None`, `False`, `LostRace`), never as a ClientError.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from heartbeat.errors import InvalidInput, NotFound
from heartbeat.model import Alert, AlertEvent, ApiKey, Cause, Incident, Monitor, Ping, PingEvent, PingKind, Status
from heartbeat.targets import Filter, Target

Item = dict[str, dict[str, Any]]
T = TypeVar("T")

MONITOR_SK = "MON"
LIST_PK = "MON"
INCIDENT_LIST_PK = "INC"  # incidents share the `list` index, by opening time
KEY_LIST_PK = "KEY"  # and so do API keys, by creation
TARGETS_PK = "TARGETS"  # chat and incident targets, all in one partition
DUE_INDEX = "due"
LIST_INDEX = "list"
SLUG_INDEX = "slug"
SLUG_CLAIM_MS = 60_000  # how long a create by ping holds its slug against a second create
RUNS_CAP = 50  # open runs (?rid=) remembered per monitor; more means runs that never finished


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _pk(monitor_id: str) -> dict[str, str]:
    return _s(f"MON#{monitor_id}")


def _incident_sk(opened_ms: int) -> str:
    return f"INC#{opened_ms:013d}"


def _ping_sk(n: int) -> str:
    return f"PING#{n:012d}"


def _alert_sk(incident_ms: int, event: AlertEvent, reminder: int = 0) -> str:
    sk = f"ALERT#{incident_ms:013d}#{event.value}"
    return f"{sk}#{reminder:06d}" if reminder else sk


def _opt_int(item: Item, name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def _opt_s(item: Item, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def _strings(value: dict[str, Any] | None) -> list[str]:
    return [v["S"] for v in (value or {}).get("L", [])]


def monitor_from_item(item: Item) -> Monitor:
    keywords = item.get("keywords", {}).get("M", {})
    return Monitor(
        id=item["id"]["S"],
        token=item["token"]["S"],
        name=item["name"]["S"],
        type=item["type"]["S"],
        interval_s=_opt_int(item, "interval_s"),
        grace_s=int(item["grace_s"]["N"]),
        tags=_strings(item.get("tags")),
        status=Status(item["status"]["S"]),
        created_ms=int(item["created_ms"]["N"]),
        updated_ms=int(item["updated_ms"]["N"]),
        slug=_opt_s(item, "slug"),
        schedule=_opt_s(item, "schedule"),
        timezone=_opt_s(item, "timezone") or "UTC",
        rev=_opt_int(item, "rev") or 0,
        max_runtime_s=_opt_int(item, "max_runtime_s"),
        min_interval_s=_opt_int(item, "min_interval_s"),
        success_keywords=_strings(keywords.get("success")),
        failure_keywords=_strings(keywords.get("failure")),
        failure_threshold=_opt_int(item, "failure_threshold") or 1,
        recovery_threshold=_opt_int(item, "recovery_threshold") or 1,
        realert_s=_opt_int(item, "realert_s"),
        manual_resume="manual_resume" in item,
        from_file="from_file" in item,
        apply_key=_opt_s(item, "apply_key"),
        n_pings=_opt_int(item, "n_pings") or 0,
        last_ping_ms=_opt_int(item, "last_ping_ms"),
        last_ping_kind=_opt_s(item, "last_ping_kind"),
        last_success_ms=_opt_int(item, "last_success_ms"),
        last_start_ms=_opt_int(item, "last_start_ms"),
        last_run_start_ms=_opt_int(item, "last_run_start_ms"),
        deadline_ms=_opt_int(item, "deadline"),
        open_incident_ms=_opt_int(item, "open_incident_ms"),
        down_since_ms=_opt_int(item, "down_since_ms"),
        last_incident_ms=_opt_int(item, "last_incident_ms"),
        fail_streak=_opt_int(item, "fail_streak") or 0,
        good_streak=_opt_int(item, "good_streak") or 0,
        reminders=_opt_int(item, "reminders") or 0,
        early_until_ms=_opt_int(item, "early_until"),
        runs={k: int(v["N"]) for k, v in item["runs"]["M"].items()} if "runs" in item else None,
    )


def alert_from_item(item: Item) -> Alert:
    return Alert(
        monitor_id=item["monitor_id"]["S"],
        incident_ms=int(item["incident_ms"]["N"]),
        event=AlertEvent(item["event"]["S"]),
        subject=item["subject"]["S"],
        message=item["message"]["S"],
        tags=[t["S"] for t in item.get("tags", {}).get("L", [])],
        state=item["state"]["S"],
        attempts=int(item["attempts"]["N"]),
        lease_until_ms=_opt_int(item, "deadline"),
        reminder=_opt_int(item, "reminder") or 0,
    )


def incident_from_item(item: Item) -> Incident:
    return Incident(
        monitor_id=item["monitor_id"]["S"],
        opened_ms=int(item["opened_ms"]["N"]),
        cause=Cause(item["cause"]["S"]),
        resolved_ms=_opt_int(item, "resolved_ms"),
    )


def ping_event_from_item(item: Item) -> PingEvent:
    return PingEvent(
        monitor_id=item["monitor_id"]["S"],
        n=int(item["n"]["N"]),
        at_ms=int(item["at_ms"]["N"]),
        ping=Ping(
            kind=PingKind(item["kind"]["S"]),
            method=item["method"]["S"],
            source_ip=item["source_ip"]["S"],
            user_agent=item["user_agent"]["S"],
            body=item["body"]["B"] if "body" in item else b"",
            body_truncated=item["body_truncated"]["BOOL"],
            body_size=int(item["body_size"]["N"]),
            exit_status=_opt_int(item, "exit_status"),
            rid=_opt_s(item, "rid"),
        ),
        duration_ms=_opt_int(item, "duration_ms"),
        cause=Cause(item["cause"]["S"]) if "cause" in item else None,
        ignored="ignored" in item,
    )


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, pattern: str) -> str:
    """The sort key a cursor carries, if it is one this API made for this listing."""
    try:
        value = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if not re.fullmatch(pattern, value):
        raise InvalidInput("cursor", "is not a cursor this API returned for this listing")
    return value


# Settings a monitor may or may not have; an update REMOVEs the ones it no longer has.
OPTIONAL_SETTINGS = (
    "schedule",
    "interval_s",
    "window_ms",
    "max_runtime_s",
    "min_interval_s",
    "realert_s",
    "keywords",
    "manual_resume",
    "from_file",
    "apply_key",
)


def _settings(m: Monitor) -> Item:
    """A monitor's settings as stored, with the derived numbers the ping path's expressions use."""
    item: Item = {
        "name": _s(m.name),
        "list_sk": _s(f"{m.name.casefold()}#{m.id}"),
        "tags": {"L": [_s(t) for t in m.tags]},
        "grace_s": _n(m.grace_s),
        "grace_ms": _n(m.grace_s * 1000),
        "timezone": _s(m.timezone),
        "rev": _n(m.rev),
        "start_window_ms": _n(m.start_window_ms),
        "min_gap_ms": _n((m.min_interval_s or 0) * 1000),
        "failure_threshold": _n(m.failure_threshold),
        "recovery_threshold": _n(m.recovery_threshold),
    }
    if m.schedule is not None:
        item["schedule"] = _s(m.schedule)
    else:
        assert m.interval_s is not None and m.window_ms is not None
        item["interval_s"] = _n(m.interval_s)
        item["window_ms"] = _n(m.window_ms)
    seconds = {"max_runtime_s": m.max_runtime_s, "min_interval_s": m.min_interval_s, "realert_s": m.realert_s}
    item.update({name: _n(value) for name, value in seconds.items() if value is not None})
    if m.success_keywords or m.failure_keywords:
        # Present only when set: an uncached success ping's write is conditional on its absence.
        item["keywords"] = {
            "M": {
                "success": {"L": [_s(k) for k in m.success_keywords]},
                "failure": {"L": [_s(k) for k in m.failure_keywords]},
            }
        }
    if m.manual_resume:
        item["manual_resume"] = {"BOOL": True}
    if m.from_file:
        item["from_file"] = {"BOOL": True}
    if m.apply_key is not None:
        item["apply_key"] = _s(m.apply_key)
    return item


class LostRace(Exception):
    """A conditional write lost to a concurrent one; re-read and decide again."""


@dataclass(frozen=True)
class PingPlan:
    """What a ping's single write does, given the state the caller expects the monitor in."""

    effect: str  # "arm" (a success), "start", "record" (no state change) or "ignore" (held monitor)
    incident_open: bool | None = None  # the expected state; None: either
    failure: bool = False  # a failure while down: the recovery count starts again
    guard_rules: bool = False  # a success, judged by the monitor's rules as the caller knows them
    rev: int | None = None  # ... known at this revision; None: assumed to have none
    deadline_ms: int | None = None  # a cron monitor's next deadline, from the known schedule


@dataclass(frozen=True)
class PingWrite:
    """The outcome of a ping's monitor write: its number, or the monitor as it stands."""

    n: int | None
    current: Monitor | None = None  # when the write did not happen: the monitor as it stands
    previous: Monitor | None = None  # when it did: the monitor as it was just before


def _names(expression: str, candidates: dict[str, str]) -> dict[str, Any]:
    """ExpressionAttributeNames for the placeholders the expression uses (DynamoDB refuses unused or empty)."""
    used = {k: v for k, v in candidates.items() if k in expression}
    return {"ExpressionAttributeNames": used} if used else {}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Store:
    def __init__(self, client: Any, table_name: str, shards: int = 4, ping_retention_days: int = 30) -> None:
        self._db = client
        self._table = table_name
        self._shards = shards
        self._retention_s = ping_retention_days * 86400

    # ---- sharding of the due index -------------------------------------------------------------

    def shards(self) -> list[str]:
        return [str(i) for i in range(self._shards)]

    def shard_of(self, monitor_id: str) -> str:
        return str(int(monitor_id[:8], 16) % self._shards)

    # ---- monitors ------------------------------------------------------------------------------

    def monitor_item(self, m: Monitor) -> Item:
        item: Item = {
            "pk": _pk(m.id),
            "sk": _s(MONITOR_SK),
            "id": _s(m.id),
            "token": _s(m.token),
            "type": _s(m.type),
            "status": _s(m.status.value),
            "created_ms": _n(m.created_ms),
            "n_pings": _n(m.n_pings),
            "list_pk": _s(LIST_PK),
            "runs": {"M": {k: _n(v) for k, v in (m.runs or {}).items()}},
            **_settings(m),
            "updated_ms": _n(m.updated_ms),
        }
        optional = {
            "last_ping_ms": m.last_ping_ms,
            "last_success_ms": m.last_success_ms,
            "last_start_ms": m.last_start_ms,
            "last_run_start_ms": m.last_run_start_ms,
            "deadline": m.deadline_ms,
            "open_incident_ms": m.open_incident_ms,
            "down_since_ms": m.down_since_ms,
            "last_incident_ms": m.last_incident_ms,
            "early_until": m.early_until_ms,
            "fail_streak": m.fail_streak or None,
            "good_streak": m.good_streak or None,
            "reminders": m.reminders or None,
        }
        item.update({name: _n(value) for name, value in optional.items() if value is not None})
        if m.last_ping_kind is not None:
            item["last_ping_kind"] = _s(m.last_ping_kind)
        if m.slug is not None:
            item["slug"] = _s(m.slug)
        if m.deadline_ms is not None:
            item["due_shard"] = _s(self.shard_of(m.id))
        return item

    def create_monitor(self, m: Monitor, claim_slug: bool = False) -> None:
        """Store a new monitor. `claim_slug` (a create by ping): also claim its slug for a minute, in
        the same transaction, so that two first pings at once make one monitor; the loser gets
        LostRace and finds the winner through `slug_claim`."""
        item, condition = self.monitor_item(m), "attribute_not_exists(pk)"
        # Race: a second create with the same token (never expected: tokens are random) must not overwrite.
        put = {"TableName": self._table, "Item": item, "ConditionExpression": condition}
        if not claim_slug or m.slug is None:
            self._db.put_item(**put)
            return
        claim = {
            "TableName": self._table,
            "Item": {
                "pk": _s(f"SLUG#{m.slug}"),
                "sk": _s("CLAIM"),
                "monitor_id": _s(m.id),
                "claimed_ms": _n(m.created_ms),
                "expires_at": _n(m.created_ms // 1000 + 86400),
            },
            # Race: another create by ping claimed this slug within the last minute.
            "ConditionExpression": "attribute_not_exists(pk) OR claimed_ms < :stale",
            "ExpressionAttributeValues": {":stale": _n(m.created_ms - SLUG_CLAIM_MS)},
        }
        self._transact([{"Put": put}, {"Put": claim}])

    def slug_claim(self, slug: str, now_ms: int) -> str | None:
        """The monitor a create by ping made for this slug within the last minute (the slug index,
        being eventually consistent, may not show it yet)."""
        resp = self._db.get_item(
            TableName=self._table, Key={"pk": _s(f"SLUG#{slug}"), "sk": _s("CLAIM")}, ConsistentRead=True
        )
        item = resp.get("Item")
        if item is None or int(item["claimed_ms"]["N"]) < now_ms - SLUG_CLAIM_MS:
            return None
        return item["monitor_id"]["S"]

    def slug_ids(self, slug: str) -> list[str]:
        """The monitors a slug addresses: none, one, or (ambiguous) several. From the sparse `slug`
        index: only monitors with a slug are in it."""
        resp = self._db.query(
            TableName=self._table,
            IndexName=SLUG_INDEX,
            KeyConditionExpression="slug = :s",
            ExpressionAttributeValues={":s": _s(slug)},
            Limit=10,
        )
        return sorted(i["pk"]["S"].removeprefix("MON#") for i in resp.get("Items", []))

    def get_deployment_key(self, name: str) -> str | None:
        """One of the deployment's own keys: PINGKEY (slug pings) or BADGEKEY (badges)."""
        resp = self._db.get_item(TableName=self._table, Key={"pk": _s(name), "sk": _s(name)}, ConsistentRead=True)
        return resp["Item"]["key"]["S"] if "Item" in resp else None

    def set_deployment_key(self, name: str, key: str, replaces: str | None, now_ms: int) -> bool:
        """Store one of the deployment's keys. False if `replaces` is no longer the current one."""
        condition = "attribute_not_exists(pk)" if replaces is None else "#k = :old"
        values: Item = {":key": _s(key), ":now": _n(now_ms)}
        if replaces is not None:
            values[":old"] = _s(replaces)
        try:
            # Race: two callers creating or rotating the key at once; one wins, the other reads it.
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _s(name), "sk": _s(name)},
                UpdateExpression="SET #k = :key, created_ms = :now",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#k": "key"},
                ExpressionAttributeValues=values,
            )
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get_monitor(self, monitor_id: str) -> Monitor:
        resp = self._db.get_item(
            TableName=self._table, Key={"pk": _pk(monitor_id), "sk": _s(MONITOR_SK)}, ConsistentRead=True
        )
        if "Item" not in resp:
            raise NotFound(f"monitor {monitor_id} not found")
        return monitor_from_item(resp["Item"])

    def list_monitors(
        self,
        limit: int,
        cursor: str | None,
        name_prefix: str | None = None,
        keep: Callable[[Monitor], bool] | None = None,
    ) -> tuple[list[Monitor], str | None]:
        """A page of monitors by name: those whose name starts with `name_prefix` (case-insensitive)
        and that `keep` accepts. Filters apply after reading, so a page may take several queries."""
        condition, values = "list_pk = :p", {":p": _s(LIST_PK)}
        prefix = (name_prefix or "").casefold()
        if prefix:
            condition += " AND begins_with(list_sk, :prefix)"
            values[":prefix"] = _s(prefix)
        start: Item | None = None
        if cursor:
            list_sk = _decode_cursor(cursor, r".+#[0-9a-f]{32}")
            if not list_sk.startswith(prefix):
                raise InvalidInput("cursor", "belongs to another listing")
            start = {
                "list_pk": _s(LIST_PK),
                "list_sk": _s(list_sk),
                "pk": _pk(list_sk.rsplit("#", 1)[-1]),
                "sk": _s(MONITOR_SK),
            }
        return self._index_page(condition, values, limit, start, monitor_from_item, keep)

    def _index_page(
        self,
        condition: str,
        values: Item,
        limit: int,
        start: Item | None,
        load: Callable[[Item], T],
        keep: Callable[[T], bool] | None,
        newest_first: bool = False,
    ) -> tuple[list[T], str | None]:
        """A page from the keys-only `list` index: keys, then the items by BatchGetItem, filtered by
        `keep` (querying on until the page is full). The cursor is the last returned entry's list_sk."""
        found: list[T] = []
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": LIST_INDEX,
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "Limit": limit if keep is None else max(limit, 100),
                "ScanIndexForward": not newest_first,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            resp = self._db.query(**kwargs)
            entries = resp.get("Items", [])
            items = self._batch_get([{"pk": e["pk"], "sk": e["sk"]} for e in entries])
            by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in items}
            for n, entry in enumerate(entries):
                # The index is eventually consistent: an item deleted a moment ago may still be listed there.
                item = by_key.get((entry["pk"]["S"], entry["sk"]["S"]))
                loaded = load(item) if item is not None else None
                if loaded is None or (keep is not None and not keep(loaded)):
                    continue
                found.append(loaded)
                if len(found) == limit:
                    more = n < len(entries) - 1 or "LastEvaluatedKey" in resp
                    return found, _encode_cursor(entry["list_sk"]["S"]) if more else None
            start = resp.get("LastEvaluatedKey")
            if start is None:
                return found, None

    def list_all_incidents(
        self, limit: int, cursor: str | None, since_ms: int, keep: Callable[[Incident], bool] | None
    ) -> tuple[list[Incident], str | None]:
        """Incidents of every monitor opened at or after `since_ms`, newest first."""
        values: Item = {":p": _s(INCIDENT_LIST_PK), ":since": _s(f"{since_ms:013d}")}
        start: Item | None = None
        if cursor:
            list_sk = _decode_cursor(cursor, r"[0-9]{13}#[0-9a-f]{32}")
            opened, monitor_id = list_sk.split("#")
            start = {
                "list_pk": _s(INCIDENT_LIST_PK),
                "list_sk": _s(list_sk),
                "pk": _pk(monitor_id),
                "sk": _s(_incident_sk(int(opened))),
            }
        condition = "list_pk = :p AND list_sk >= :since"
        return self._index_page(condition, values, limit, start, incident_from_item, keep, newest_first=True)

    def all_monitors(self) -> list[Monitor]:
        """Every monitor, by name (for a bulk apply or an export)."""
        found: list[Monitor] = []
        cursor = None
        while True:
            page, cursor = self.list_monitors(100, cursor)
            found.extend(page)
            if cursor is None:
                return found

    def _batch_get(self, keys: list[Item]) -> list[Item]:
        items: list[Item] = []
        pending = keys
        while pending:
            request = {self._table: {"Keys": pending[:100], "ConsistentRead": True}}
            pending = pending[100:]
            while request:
                resp = self._db.batch_get_item(RequestItems=request)
                items.extend(resp["Responses"].get(self._table, []))
                request = resp.get("UnprocessedKeys") or {}
        return items

    def update_monitor(self, current: Monitor, new: Monitor, now_ms: int) -> None:
        """Write the settings the domain computed (`new`, its deadline included) over `current`."""
        settings = {**_settings(new), "updated_ms": _n(now_ms)}
        # Placeholders for every name: settings include reserved words (name, timezone, schedule).
        removed = [name for name in OPTIONAL_SETTINGS if name not in settings]
        names = {f"#a{i}": name for i, name in enumerate([*settings, *removed])}
        sets = [f"#a{i} = :a{i}" for i in range(len(settings))]
        values: dict[str, Any] = {f":a{i}": value for i, value in enumerate(settings.values())}
        removes = [f"#a{i}" for i in range(len(settings), len(names))]
        values.update({":seen": _n(current.n_pings), ":seen_rev": _n(current.rev)})
        condition = "n_pings = :seen AND rev = :seen_rev"
        if new.early_until_ms is not None:
            sets.append("early_until = :early")
            values[":early"] = _n(new.early_until_ms)
        if new.deadline_ms is not None:
            sets.append("deadline = :deadline")
            values[":deadline"] = _n(new.deadline_ms)
            if current.deadline_ms is None:
                sets.append("due_shard = :shard")
                values[":shard"] = _s(self.shard_of(new.id))
        elif current.deadline_ms is not None:
            removes += ["deadline", "due_shard"]
        if current.deadline_ms is not None:
            # Race: a ping or the sweeper moved or removed the deadline since we read it.
            condition += " AND deadline = :seen_deadline"
            values[":seen_deadline"] = _n(current.deadline_ms)
        else:
            # Race: a ping armed a deadline since we read the monitor (it would follow the old settings).
            condition += " AND attribute_not_exists(deadline)"
        if new.slug is not None:
            sets.append("slug = :slug")
            values[":slug"] = _s(new.slug)
        update = {
            "TableName": self._table,
            "Key": {"pk": _pk(current.id), "sk": _s(MONITOR_SK)},
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        self._conditional(update)

    def delete_monitor(self, monitor_id: str) -> None:
        """Delete the monitor, its incidents and alerts. Ping events expire through their TTL."""
        try:
            # Race: a concurrent delete; the second one answers 404 rather than "deleted".
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": _pk(monitor_id), "sk": _s(MONITOR_SK)},
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                raise NotFound(f"monitor {monitor_id} not found") from None
            raise
        for prefix in ("INC#", "ALERT#"):
            keys = [{"pk": i["pk"], "sk": i["sk"]} for i in self._query_all(monitor_id, prefix, projection="pk, sk")]
            for start in range(0, len(keys), 25):
                request = {self._table: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
                while request:
                    request = self._db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    def _query_all(self, monitor_id: str, prefix: str, projection: str | None = None) -> Iterator[Item]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": _pk(monitor_id), ":prefix": _s(prefix)},
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        while True:
            resp = self._db.query(**kwargs)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def pause(self, monitor_id: str, now_ms: int) -> None:
        self._update_existing(
            monitor_id,
            "SET #st = :paused, updated_ms = :now REMOVE deadline, due_shard, last_start_ms",
            {":paused": _s(Status.PAUSED.value), ":now": _n(now_ms)},
        )

    def resume(self, monitor_id: str, now_ms: int) -> None:
        """Back to `new`: watched again from the next ping, as after creation."""
        self._update_existing(
            monitor_id,
            "SET #st = :new, updated_ms = :now",
            {":new": _s(Status.NEW.value), ":now": _n(now_ms), ":paused": _s(Status.PAUSED.value)},
            # Race: a ping resumed the monitor in the meantime; it must not be sent back to `new`.
            extra_condition="#st = :paused",
        )

    def _update_existing(
        self, monitor_id: str, expression: str, values: dict[str, Any], extra_condition: str = ""
    ) -> bool:
        condition = "attribute_exists(pk)" + (f" AND {extra_condition}" if extra_condition else "")
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _pk(monitor_id), "sk": _s(MONITOR_SK)},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as e:
            if _code(e) != "ConditionalCheckFailedException":
                raise
            if "Item" not in e.response:
                raise NotFound(f"monitor {monitor_id} not found") from None
            return False
        return True

    # ---- the ping path: one conditional write when the ping opens or closes no incident ----------

    def ping_write(self, monitor_id: str, ping: Ping, now_ms: int, plan: PingPlan) -> PingWrite:
        """Record a ping on the monitor in one UpdateItem, without reading it first.

        The plan says what the ping does to a monitor in the state the caller expects, and the
        write's condition checks exactly that state. When it fails, the monitor as it stands comes
        back, so the caller can make the transition (or learn the monitor's rules) instead.
        """
        values: dict[str, Any] = {":now": _n(now_ms), ":one": _n(1), ":paused": _s(Status.PAUSED.value)}
        sets: list[str] = []
        removes: list[str] = []
        conditions = ["attribute_exists(pk)"]
        if plan.effect == "ignore":
            sets.append("last_ignored_ms = :now")
            # Race: resumed (or manual resume turned off) since the caller looked.
            conditions.append("#st = :paused AND attribute_exists(manual_resume)")
        else:
            # Race: paused with manual resume since the caller looked; then the ping is ignored instead.
            conditions.append("(#st <> :paused OR attribute_not_exists(manual_resume))")
            if ping.kind is PingKind.LOG:
                sets.append("last_log_ms = :now")  # a log is not a heartbeat: the last ping stays as it was
            else:
                sets += ["last_ping_ms = :now", "last_ping_kind = :kind"]
                values[":kind"] = _s(ping.kind.value)
        if plan.effect == "arm":
            # The run this success finishes started at runs[rid] (?rid=) or last_start_ms (/start), if announced.
            run_start = "runs.#rid" if ping.rid else "last_start_ms"
            sets += [
                "last_success_ms = :now",
                "#st = :up",
                "due_shard = :shard",
                "fail_streak = :zero",
                f"last_run_start_ms = if_not_exists({run_start}, :zero)",
                "early_until = :now + if_not_exists(min_gap_ms, :zero)",
                "deadline = :deadline" if plan.deadline_ms is not None else "deadline = :now + window_ms",
            ]
            removes.append("last_start_ms")
            if ping.rid:
                removes.append("runs.#rid")
                conditions.append("attribute_exists(runs)")  # not a race: the caller creates a missing map
            # Not a heartbeat if sooner than the minimum interval after the previous success: it is early.
            conditions.append("(attribute_not_exists(early_until) OR early_until <= :now)")
            values.update({":up": _s(Status.UP.value), ":zero": _n(0), ":shard": _s(self.shard_of(monitor_id))})
            if plan.deadline_ms is not None:
                values[":deadline"] = _n(plan.deadline_ms)
        elif plan.effect == "start":
            sets += ["#st = :started", "deadline = :now + start_window_ms", "due_shard = :shard"]
            values.update({":started": _s(Status.STARTED.value), ":shard": _s(self.shard_of(monitor_id))})
        if ping.kind is PingKind.START and plan.effect != "ignore":
            sets.append("last_start_ms = :now")
            if ping.rid:
                sets.append("runs.#rid = :now")
                values[":cap"] = _n(RUNS_CAP)
                conditions.append("attribute_exists(runs) AND size(runs) < :cap")  # else the caller resets it
        if plan.failure:
            sets.append("good_streak = :zero")  # a failure while down starts the recovery count again
            values[":zero"] = _n(0)
        if plan.effect == "record" and plan.incident_open is True:
            # A ping on a monitor with an open incident: down, even if it was paused or resumed to `new`
            # (any ping but one held by manual resume watches a paused monitor again).
            sets.append("#st = :down")
            values[":down"] = _s(Status.DOWN.value)
        if plan.guard_rules:
            # Race: the rules the caller judged this success by (schedule, keywords) changed meanwhile.
            if plan.rev is not None:
                conditions.append("rev = :rev")
                values[":rev"] = _n(plan.rev)
            else:
                conditions.append("attribute_not_exists(#sched) AND attribute_not_exists(keywords)")
        # Race: the sweeper or another ping opened or resolved an incident since the caller decided
        # which write this ping needs; then the condition fails and the caller makes the transition.
        if plan.incident_open is True:
            conditions.append("attribute_exists(open_incident_ms)")
        elif plan.incident_open is False:
            conditions.append("attribute_not_exists(open_incident_ms)")
        expression = "SET " + ", ".join(sets) + " ADD n_pings :one"
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        condition = " AND ".join(conditions)
        names = _names(expression + condition, {"#st": "status", "#sched": "schedule"})
        if ping.rid:
            names.setdefault("ExpressionAttributeNames", {})["#rid"] = ping.rid
        try:
            resp = self._db.update_item(
                TableName=self._table,
                Key={"pk": _pk(monitor_id), "sk": _s(MONITOR_SK)},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **names,
            )
        except ClientError as e:
            if _code(e) != "ConditionalCheckFailedException":
                raise
            current: Item | None = e.response.get("Item")  # type: ignore[assignment]
            if current is None:
                raise NotFound("monitor not found") from None
            return PingWrite(n=None, current=monitor_from_item(current))
        previous = monitor_from_item(resp["Attributes"])
        return PingWrite(n=previous.n_pings + 1, previous=previous)

    def _update(
        self, monitor_id: str, sets: list[str], removes: list[str], condition: str, values: Item
    ) -> dict[str, Any]:
        """A monitor update for a transaction, or for `_counted_update`."""
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self._table,
            "Key": {"pk": _pk(monitor_id), "sk": _s(MONITOR_SK)},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            **_names(expression + condition, {"#st": "status"}),
        }

    def _conditional(self, update: dict[str, Any]) -> None:
        try:
            self._db.update_item(**update)
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                raise LostRace from None
            raise

    def _counting(self, current: Monitor, kind: PingKind, now_ms: int) -> tuple[list[str], Item]:
        """SET clauses and values that record one more ping on a monitor read at `current`."""
        sets = ["last_ping_ms = :now", "last_ping_kind = :kind", "n_pings = :n"]
        values: Item = {
            ":now": _n(now_ms),
            ":kind": _s(kind.value),
            ":n": _n(current.n_pings + 1),
            ":seen": _n(current.n_pings),
        }
        return sets, values

    def tolerate_failure(self, current: Monitor, kind: PingKind, now_ms: int, deadline_ms: int) -> int:
        """A failure below the failure threshold: counted, no incident; the next run is awaited as usual."""
        sets, values = self._counting(current, kind, now_ms)
        sets += ["fail_streak = :streak", "#st = :up", "deadline = :deadline", "due_shard = :shard"]
        values.update(
            {
                ":streak": _n(current.fail_streak + 1),
                ":up": _s(Status.UP.value),
                ":deadline": _n(deadline_ms),
                ":shard": _s(self.shard_of(current.id)),
            }
        )
        # Race: another ping counted first, or an incident opened meanwhile: re-read and decide again.
        condition = "n_pings = :seen AND attribute_not_exists(open_incident_ms)"
        self._conditional(self._update(current.id, sets, ["last_start_ms"], condition, values))
        return current.n_pings + 1

    def count_recovery(self, current: Monitor, kind: PingKind, now_ms: int) -> int:
        """A good run while down, below the recovery threshold: counted, the incident stays open."""
        assert current.open_incident_ms is not None
        sets, values = self._counting(current, kind, now_ms)
        sets += ["last_success_ms = :now", "good_streak = :streak"]
        values.update({":streak": _n(current.good_streak + 1), ":inc": _n(current.open_incident_ms)})
        # Race: another ping counted first, or the incident changed meanwhile: re-read and decide again.
        condition = "n_pings = :seen AND open_incident_ms = :inc"
        self._conditional(self._update(current.id, sets, ["last_start_ms"], condition, values))
        return current.n_pings + 1

    def reset_runs(self, current: Monitor) -> None:
        """An empty map of open runs, where it is missing or full (runs that never finished)."""
        update = self._update(current.id, ["runs = :empty"], [], "n_pings = :seen", {":empty": {"M": {}}})
        update["ExpressionAttributeValues"][":seen"] = _n(current.n_pings)
        self._conditional(update)  # Race: a ping counted meanwhile; re-read and decide again.

    def tolerate_miss(self, monitor: Monitor, deadline_ms: int, streak: int) -> bool:
        """The sweeper's missed run below the failure threshold: counted, and the next run awaited."""
        assert monitor.deadline_ms is not None
        values: Item = {
            ":deadline": _n(deadline_ms),
            ":seen": _n(monitor.deadline_ms),
            ":streak": _n(streak),
            ":up": _s(Status.UP.value),
        }
        sets = ["deadline = :deadline", "fail_streak = :streak", "#st = :up"]
        # Race: a ping moved the deadline meanwhile (the ping wins), or another sweeper counted this miss.
        try:
            self._conditional(self._update(monitor.id, sets, ["last_start_ms"], "deadline = :seen", values))
        except LostRace:
            return False
        return True

    # ---- transitions: monitor, incident and alert change together, in one transaction ------------

    def _alert_put(self, alert: Alert, now_ms: int) -> dict[str, Any]:
        item: Item = {
            "pk": _pk(alert.monitor_id),
            "sk": _s(_alert_sk(alert.incident_ms, alert.event, alert.reminder)),
            "monitor_id": _s(alert.monitor_id),
            "incident_ms": _n(alert.incident_ms),
            "event": _s(alert.event.value),
            "subject": _s(alert.subject),
            "message": _s(alert.message),
            "tags": {"L": [_s(t) for t in alert.tags]},
            "reminder": _n(alert.reminder),
            "state": _s("pending"),
            "attempts": _n(0),
            "created_ms": _n(now_ms),
        }
        if alert.lease_until_ms is not None:
            # In the due index until sent: the sweeper retries it once the lease has passed.
            item["deadline"] = _n(alert.lease_until_ms)
            item["due_shard"] = _s(self.shard_of(alert.monitor_id))
        # Race: two writers creating the same alert; only one gets it.
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def _incident_put(self, monitor_id: str, opened_ms: int, cause: Cause) -> dict[str, Any]:
        item: Item = {
            "pk": _pk(monitor_id),
            "sk": _s(_incident_sk(opened_ms)),
            "monitor_id": _s(monitor_id),
            "opened_ms": _n(opened_ms),
            "cause": _s(cause.value),
            "list_pk": _s(INCIDENT_LIST_PK),
            "list_sk": _s(f"{opened_ms:013d}#{monitor_id}"),
        }
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as e:
            if _code(e) in ("TransactionCanceledException", "TransactionConflictException"):
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if not reasons or set(reasons) <= {"None", "ConditionalCheckFailed", "TransactionConflict", None}:
                    raise LostRace from None
            raise

    def resolve_by_ping(
        self, current: Monitor, kind: PingKind, now_ms: int, alert: Alert, deadline_ms: int, rid: str | None = None
    ) -> int:
        """A success on a monitor with an open incident: up again, incident resolved, recovery alert queued."""
        assert current.open_incident_ms is not None
        sets, values = self._counting(current, kind, now_ms)
        sets += [
            "last_success_ms = :now",
            "#st = :up",
            "deadline = :deadline",
            "due_shard = :shard",
            "last_run_start_ms = :run_start",
            "early_until = :early",
        ]
        removes = ["open_incident_ms", "down_since_ms", "last_start_ms", "fail_streak", "good_streak", "reminders"]
        runs = current.runs or {}
        if rid in runs:
            sets.append("runs = :runs")
            values[":runs"] = {"M": {k: _n(v) for k, v in runs.items() if k != rid}}
        values.update(
            {
                ":up": _s(Status.UP.value),
                ":shard": _s(self.shard_of(current.id)),
                ":inc": _n(current.open_incident_ms),
                ":deadline": _n(deadline_ms),
                ":rev": _n(current.rev),
                ":run_start": _n(runs.get(rid, 0) if rid else current.last_start_ms or 0),
                ":early": _n(now_ms + (current.min_interval_s or 0) * 1000),
            }
        )
        # Race: another ping counted or resolved first (n_pings moved), or the schedule the
        # deadline was computed from changed (rev moved): re-read and decide again.
        condition = "n_pings = :seen AND open_incident_ms = :inc AND rev = :rev"
        incident_update = {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": _pk(current.id), "sk": _s(_incident_sk(current.open_incident_ms))},
                "UpdateExpression": "SET resolved_ms = :now",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(resolved_ms)",
                "ExpressionAttributeValues": {":now": _n(now_ms)},
            }
        }
        monitor_update = {"Update": self._update(current.id, sets, removes, condition, values)}
        self._transact([monitor_update, incident_update, self._alert_put(alert, now_ms)])
        return current.n_pings + 1

    def _down(self, reminder_at_ms: int | None, values: Item) -> tuple[list[str], list[str]]:
        """SET and REMOVE clauses for a monitor going down: its deadline becomes the first reminder, if any."""
        removes = ["fail_streak", "good_streak", "reminders"]
        if reminder_at_ms is None:
            return [], [*removes, "deadline", "due_shard"]
        values[":remind"] = _n(reminder_at_ms)
        return ["deadline = :remind", "due_shard = :shard"], removes

    def open_by_ping(
        self, current: Monitor, kind: PingKind, now_ms: int, cause: Cause, alert: Alert, reminder_at_ms: int | None
    ) -> int:
        """A failure on a monitor without an open incident: down now, incident opened (at the alert's
        incident time), alert queued."""
        opened = alert.incident_ms
        sets, values = self._counting(current, kind, now_ms)
        down_sets, removes = self._down(reminder_at_ms, values)
        sets += ["#st = :down", "open_incident_ms = :opened", "down_since_ms = :opened", "last_incident_ms = :opened"]
        sets += down_sets
        values.update({":down": _s(Status.DOWN.value), ":shard": _s(self.shard_of(current.id)), ":opened": _n(opened)})
        # Race: another ping counted first, or an incident opened meanwhile: re-read and decide again.
        condition = "n_pings = :seen AND attribute_not_exists(open_incident_ms)"
        monitor_update = {"Update": self._update(current.id, sets, [*removes, "last_start_ms"], condition, values)}
        self._transact([monitor_update, self._incident_put(current.id, opened, cause), self._alert_put(alert, now_ms)])
        return current.n_pings + 1

    def mark_down(
        self,
        monitor: Monitor,
        cause: Cause,
        alert: Alert,
        now_ms: int,
        opened_ms: int | None = None,
        reminder_at_ms: int | None = None,
    ) -> bool:
        """The sweeper's transition. False when a ping or another sweeper got there first.

        The incident opens at `opened_ms`: the deadline missed (by default the monitor's own), not the sweep."""
        assert monitor.deadline_ms is not None
        opened_ms = monitor.deadline_ms if opened_ms is None else opened_ms
        values: Item = {
            ":down": _s(Status.DOWN.value),
            ":deadline": _n(monitor.deadline_ms),
            ":opened": _n(opened_ms),
            ":shard": _s(self.shard_of(monitor.id)),
        }
        down_sets, removes = self._down(reminder_at_ms, values)
        sets = ["#st = :down", "open_incident_ms = :opened", "down_since_ms = :opened", "last_incident_ms = :opened"]
        sets += down_sets
        # Race: a ping moved the deadline after the index showed it overdue (the ping wins,
        # no false alert), or another sweeper marked it down first (one incident, one alert).
        monitor_update = {"Update": self._update(monitor.id, sets, removes, "deadline = :deadline", values)}
        try:
            self._transact(
                [monitor_update, self._incident_put(monitor.id, opened_ms, cause), self._alert_put(alert, now_ms)]
            )
        except LostRace:
            return False
        return True

    def remind(self, monitor: Monitor, alert: Alert, next_ms: int, now_ms: int) -> bool:
        """Queue a reminder for a monitor still down, and set the time of the next one."""
        assert monitor.deadline_ms is not None and monitor.open_incident_ms is not None
        values: Item = {
            ":next": _n(next_ms),
            ":count": _n(alert.reminder),
            ":seen": _n(monitor.deadline_ms),
            ":inc": _n(monitor.open_incident_ms),
        }
        # Race: a ping resolved the incident, or another sweeper sent this reminder, since the index showed it.
        condition = "deadline = :seen AND open_incident_ms = :inc"
        update = self._update(monitor.id, ["deadline = :next", "reminders = :count"], [], condition, values)
        try:
            self._transact([{"Update": update}, self._alert_put(alert, now_ms)])
        except LostRace:
            return False
        return True

    # ---- ping events ---------------------------------------------------------------------------

    @property
    def keeps_ping_log(self) -> bool:
        """False with a retention of 0 days: pings then cost one write instead of two."""
        return self._retention_s > 0

    def put_ping_event(self, event: PingEvent) -> None:
        p = event.ping
        item: Item = {
            "pk": _pk(event.monitor_id),
            "sk": _s(_ping_sk(event.n)),
            "monitor_id": _s(event.monitor_id),
            "n": _n(event.n),
            "at_ms": _n(event.at_ms),
            "kind": _s(p.kind.value),
            "method": _s(p.method),
            "source_ip": _s(p.source_ip),
            "user_agent": _s(p.user_agent),
            "body_truncated": {"BOOL": p.body_truncated},
            "body_size": _n(p.body_size),
            "expires_at": _n(event.at_ms // 1000 + self._retention_s),
        }
        if p.body:
            item["body"] = {"B": p.body}
        if p.exit_status is not None:
            item["exit_status"] = _n(p.exit_status)
        if event.duration_ms is not None:
            item["duration_ms"] = _n(event.duration_ms)
        if event.cause is not None:
            item["cause"] = _s(event.cause.value)
        if event.ignored:
            item["ignored"] = {"BOOL": True}
        if p.rid is not None:
            item["rid"] = _s(p.rid)
        self._db.put_item(TableName=self._table, Item=item)

    def list_pings(self, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[PingEvent], str | None]:
        items, next_cursor = self._page(monitor_id, "PING#", limit, cursor)
        return [ping_event_from_item(i) for i in items], next_cursor

    def get_ping(self, monitor_id: str, n: int) -> PingEvent:
        resp = self._db.get_item(TableName=self._table, Key={"pk": _pk(monitor_id), "sk": _s(_ping_sk(n))})
        if "Item" not in resp:
            raise NotFound(f"ping {n} of monitor {monitor_id} not found (pings expire after the retention period)")
        return ping_event_from_item(resp["Item"])

    def list_incidents(self, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[Incident], str | None]:
        items, next_cursor = self._page(monitor_id, "INC#", limit, cursor)
        return [incident_from_item(i) for i in items], next_cursor

    def _page(self, monitor_id: str, prefix: str, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
        """Newest first. The cursor carries only the sort key, so it cannot reach another monitor."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": _pk(monitor_id), ":prefix": _s(prefix)},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = {"pk": _pk(monitor_id), "sk": _s(_decode_cursor(cursor, prefix + r"[0-9]+"))}
        resp = self._db.query(**kwargs)
        last = resp.get("LastEvaluatedKey")
        return resp.get("Items", []), _encode_cursor(last["sk"]["S"]) if last else None

    # ---- the sweeper's work list: monitors past their deadline, alerts past their lease ------------

    def due(self, shard: str, now_ms: int) -> Iterator[Monitor | Alert]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_shard = :s AND deadline <= :now",
            "ExpressionAttributeValues": {":s": _s(shard), ":now": _n(now_ms)},
        }
        while True:
            resp = self._db.query(**kwargs)
            for item in resp.get("Items", []):
                yield monitor_from_item(item) if item["sk"]["S"] == MONITOR_SK else alert_from_item(item)
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def claim_alert(self, alert: Alert, lease_until_ms: int) -> bool:
        """Take a pending alert for publishing, so that two sweepers do not both send it."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _pk(alert.monitor_id), "sk": _s(_alert_sk(alert.incident_ms, alert.event, alert.reminder))},
                UpdateExpression="SET deadline = :lease",
                # Race: another sweeper claimed it (moved the lease) or it was sent meanwhile.
                ConditionExpression="deadline = :seen",
                ExpressionAttributeValues={":lease": _n(lease_until_ms), ":seen": _n(alert.lease_until_ms or 0)},
            )
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def alert_sent(self, alert: Alert, message_id: str, now_ms: int) -> None:
        self._finish_alert(
            alert,
            "SET #state = :sent, sent_ms = :now, message_id = :mid ADD attempts :one REMOVE deadline, due_shard",
            {":sent": _s("sent"), ":now": _n(now_ms), ":mid": _s(message_id), ":one": _n(1)},
        )

    def alert_failed(self, alert: Alert, retry_at_ms: int, error: str) -> None:
        self._finish_alert(
            alert,
            "SET deadline = :retry, last_error = :err ADD attempts :one",
            {":retry": _n(retry_at_ms), ":err": _s(error[:500]), ":one": _n(1)},
        )

    def _finish_alert(self, alert: Alert, expression: str, values: dict[str, Any]) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": _pk(alert.monitor_id), "sk": _s(_alert_sk(alert.incident_ms, alert.event, alert.reminder))},
                UpdateExpression=expression,
                # Race: the monitor (and its alerts) were deleted meanwhile; do not resurrect the item.
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values,
                **_names(expression, {"#state": "state"}),
            )
        except ClientError as e:
            if _code(e) != "ConditionalCheckFailedException":
                raise

    def get_alert(self, monitor_id: str, incident_ms: int, event: AlertEvent, reminder: int = 0) -> Alert | None:
        resp = self._db.get_item(
            TableName=self._table,
            Key={"pk": _pk(monitor_id), "sk": _s(_alert_sk(incident_ms, event, reminder))},
            ConsistentRead=True,
        )
        return alert_from_item(resp["Item"]) if "Item" in resp else None

    # ---- API keys ------------------------------------------------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                "pk": _s(f"KEY#{key.key_hash}"),
                "sk": _s("KEY"),
                "key_hash": _s(key.key_hash),
                "name": _s(key.name),
                "role": _s(key.role),
                "prefix": _s(key.prefix),
                "created_ms": _n(key.created_ms),
                "list_pk": _s(KEY_LIST_PK),
                "list_sk": _s(f"{key.created_ms:013d}#{key.key_hash}"),
            },
            # Race: never expected (keys are random), but a key must not overwrite another.
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        resp = self._db.get_item(TableName=self._table, Key={"pk": _s(f"KEY#{key_hash}"), "sk": _s("KEY")})
        return _api_key_from_item(resp["Item"]) if "Item" in resp else None

    def list_api_keys(self) -> list[ApiKey]:
        """Every API key, oldest first (there are few)."""
        found, cursor = [], None
        while True:
            start = None
            if cursor:
                list_sk = _decode_cursor(cursor, r"[0-9]{13}#[0-9a-f]{64}")
                # A start key in an index also names the item's own key.
                key = {"pk": _s(f"KEY#{list_sk.split('#')[1]}"), "sk": _s("KEY")}
                start = {"list_pk": _s(KEY_LIST_PK), "list_sk": _s(list_sk), **key}
            page, cursor = self._index_page(
                "list_pk = :p", {":p": _s(KEY_LIST_PK)}, 100, start, _api_key_from_item, None
            )
            found += page
            if cursor is None:
                return found

    def delete_api_key(self, key: ApiKey) -> None:
        try:
            # Race: revoked twice at once; the second one answers 404.
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": _s(f"KEY#{key.key_hash}"), "sk": _s("KEY")},
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                raise NotFound(f"API key {key.id} not found") from None
            raise

    # -- notifier targets: one partition, read whole by the notifier for each alert (there are few)

    def put_target(self, target: Target, replace: bool = False) -> None:
        f = target.filter
        item = {
            "pk": _s(TARGETS_PK),
            "sk": _s(target.id),
            "kind": _s(target.kind),
            "endpoint": _s(target.endpoint),
            "content_type": _s(target.content_type),
            "audience": _s(target.audience),
            "created_ms": _n(target.created_ms),
            "filter": {"M": {name: {"L": [_s(v) for v in values]} for name, values in dataclasses.asdict(f).items()}},
        }
        for name, value in [("chat_id", target.chat_id), ("url", target.url), ("template", target.template)]:
            if value:
                item[name] = _s(value)
        # Race: a new one must not overwrite another (never expected: ids are random); a changed one
        # must not bring back a target removed meanwhile.
        condition = "attribute_exists(pk)" if replace else "attribute_not_exists(pk)"
        try:
            self._db.put_item(TableName=self._table, Item=item, ConditionExpression=condition)
        except ClientError as e:
            if replace and _code(e) == "ConditionalCheckFailedException":
                raise NotFound(f"subscription {target.id} not found") from None
            raise

    def replace_target(self, target: Target) -> None:
        self.put_target(target, replace=True)

    def list_targets(self) -> list[Target]:
        found: list[Target] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": _s(TARGETS_PK)},
            "ConsistentRead": True,  # a target removed a moment ago gets nothing more
        }
        while True:
            resp = self._db.query(**kwargs)
            found += [_target_from_item(item) for item in resp.get("Items", [])]
            if "LastEvaluatedKey" not in resp:
                return sorted(found, key=lambda t: (t.created_ms, t.id))
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def delete_target(self, target_id: str) -> None:
        try:
            # Race: removed twice at once; the second one answers 404.
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": _s(TARGETS_PK), "sk": _s(target_id)},
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as e:
            if _code(e) == "ConditionalCheckFailedException":
                raise NotFound(f"subscription {target_id} not found") from None
            raise


def _target_from_item(item: Item) -> Target:
    f = item.get("filter", {}).get("M", {})
    return Target(
        id=item["sk"]["S"],
        kind=item["kind"]["S"],
        endpoint=item["endpoint"]["S"],
        chat_id=item.get("chat_id", {}).get("S", ""),
        url=item.get("url", {}).get("S", ""),
        template=item.get("template", {}).get("S", ""),
        content_type=item.get("content_type", {}).get("S", "application/json"),
        filter=Filter(_strings(f.get("monitors")), _strings(f.get("tags")), _strings(f.get("events"))),
        audience=item.get("audience", {}).get("S", ""),
        created_ms=int(item.get("created_ms", {}).get("N", "0")),
    )


def _api_key_from_item(item: Item) -> ApiKey:
    return ApiKey(
        key_hash=item["key_hash"]["S"],
        name=item["name"]["S"],
        role=item["role"]["S"],
        prefix=item["prefix"]["S"],
        created_ms=int(item["created_ms"]["N"]),
    )
