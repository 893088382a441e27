"""Every item mapping: domain objects to DynamoDB items and back, and the keys items live under.
See the README's data model."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from heartbeat.domain.model import (
    Acknowledgement,
    Alert,
    AlertEvent,
    ApiKey,
    Cause,
    Incident,
    Monitor,
    Ping,
    PingEvent,
    PingKind,
    Status,
)
from heartbeat.domain.settings import SETTINGS, Kind, Setting, initial
from heartbeat.domain.targets import Filter, Target
from heartbeat.domain.writes import Span

Item = dict[str, dict[str, Any]]

MONITOR_SK = "MON"
LIST_PK = "MON"  # monitors in the `list` index, by name
INCIDENT_LIST_PK = "INC"  # incidents share the `list` index, by opening time
KEY_LIST_PK = "KEY"  # and so do API keys, by creation
TARGETS_PK = "TARGETS"  # chat and incident targets, all in one partition
EVENTS_PK = "EVENTS"  # monitors fed by AWS events, in the sparse `events` index
RUN_PREFIX = "er_"  # a monitor's attributes remembering its event-reported runs (domain/awsruns.py)


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def strings(values: list[str]) -> dict[str, Any]:
    return {"L": [s(v) for v in values]}


def monitor_pk(monitor_id: str) -> dict[str, str]:
    return s(f"MON#{monitor_id}")


def monitor_key(monitor_id: str) -> Item:
    return {"pk": monitor_pk(monitor_id), "sk": s(MONITOR_SK)}


def incident_sk(opened_ms: int) -> str:
    return f"INC#{opened_ms:013d}"


def ping_sk(number: int) -> str:
    return f"PING#{number:012d}"


def alert_key(alert: Alert) -> Item:
    sk = f"ALERT#{alert.incident_ms:013d}#{alert.event.value}"
    return {"pk": monitor_pk(alert.monitor_id), "sk": s(f"{sk}#{alert.reminder:06d}" if alert.reminder else sk)}


def api_key_key(key_hash: str) -> Item:
    return {"pk": s(f"KEY#{key_hash}"), "sk": s("KEY")}


def _opt_int(item: Item, name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def _opt_s(item: Item, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def read_strings(value: dict[str, Any] | None) -> list[str]:
    return [v["S"] for v in (value or {}).get("L", [])]


def monitor_from_item(item: Item) -> Monitor:
    return Monitor(
        id=item["id"]["S"],
        token=item["token"]["S"],
        name=item["name"]["S"],
        type=item["type"]["S"],
        tags=read_strings(item.get("tags")),
        status=Status(item["status"]["S"]),
        created_ms=int(item["created_ms"]["N"]),
        updated_ms=int(item["updated_ms"]["N"]),
        slug=_opt_s(item, "slug"),
        rev=_opt_int(item, "rev") or 0,
        **{setting.attr: read_setting(item, setting) for setting in SETTINGS},
        description=_opt_s(item, "description") or "",
        hc_channels=_opt_s(item, "hc_channels"),
        from_file="from_file" in item,
        apply_key=_opt_s(item, "apply_key"),
        n_pings=_opt_int(item, "n_pings") or 0,
        last_ping_ms=_opt_int(item, "last_ping_ms"),
        last_ping_kind=_opt_s(item, "last_ping_kind"),
        last_result_ms=_opt_int(item, "last_result_ms"),
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
        event_runs={k[len(RUN_PREFIX) :]: int(v["N"]) for k, v in item.items() if k.startswith(RUN_PREFIX)},
        acknowledged=acknowledgement_from_item(item),
        snoozed_until_ms=_opt_int(item, "snooze_until_ms"),
        held_by=_opt_s(item, "held_by"),
        holding=frozenset(item["holding"]["SS"]) if "holding" in item else frozenset(),
        instances={k: int(v["N"]) for k, v in item["instances"]["M"].items()} if "instances" in item else None,
    )


def acknowledgement_from_item(item: Item) -> Acknowledgement | None:
    """A monitor's or an incident's `ack_*` attributes (store/silence.py writes them)."""
    if "ack_ms" not in item:
        return None
    incident_ms = _opt_int(item, "ack_incident_ms") or _opt_int(item, "opened_ms") or 0
    return Acknowledgement(
        incident_ms, _opt_s(item, "ack_by") or "", int(item["ack_ms"]["N"]), _opt_s(item, "ack_note") or ""
    )


def alert_from_item(item: Item) -> Alert:
    from heartbeat.domain.alertwords import AlertFacts  # loaded where alerts are, not at every cold start

    return Alert(
        monitor_id=item["monitor_id"]["S"],
        incident_ms=int(item["incident_ms"]["N"]),
        event=AlertEvent(item["event"]["S"]),
        subject=item["subject"]["S"],
        message=item["message"]["S"],
        tags=read_strings(item.get("tags")),
        state=item["state"]["S"],
        attempts=int(item["attempts"]["N"]),
        lease_until_ms=_opt_int(item, "deadline"),
        reminder=_opt_int(item, "reminder") or 0,
        facts=AlertFacts.from_json(item["facts"]["S"]) if "facts" in item else None,
    )


def incident_from_item(item: Item) -> Incident:
    return Incident(
        monitor_id=item["monitor_id"]["S"],
        opened_ms=int(item["opened_ms"]["N"]),
        cause=Cause(item["cause"]["S"]),
        resolved_ms=_opt_int(item, "resolved_ms"),
        acknowledged=acknowledgement_from_item(item),
        caused_by=_opt_s(item, "caused_by"),
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


def is_set(value: Any) -> bool:
    """A setting is stored only when set: the ping path's conditions test for its absence."""
    return value is not None and value is not False and value != []


def write_setting(setting: Setting, value: Any) -> dict[str, Any]:
    if setting.kind is Kind.SECONDS or setting.kind is Kind.COUNT:
        return n(value)
    if setting.kind is Kind.FLAG:
        return {"BOOL": value}
    if setting.kind is Kind.KEYWORDS or setting.kind is Kind.MONITORS:
        return strings(value)
    if setting.kind is Kind.QUORUM:
        return n(value["min"])
    if setting.kind is Kind.PATTERNS:
        return s(json.dumps(value, separators=(",", ":"), sort_keys=True))
    return s(value)


def read_setting(item: Item, setting: Setting) -> Any:
    name, _, key = setting.attribute.partition(".")
    stored = item.get(name, {}).get("M", {}).get(key) if key else item.get(name)
    if stored is None:
        return initial(setting)
    if setting.kind is Kind.SECONDS or setting.kind is Kind.COUNT:
        return int(stored["N"])
    if setting.kind is Kind.FLAG:
        return stored["BOOL"]
    if setting.kind is Kind.KEYWORDS or setting.kind is Kind.MONITORS:
        return read_strings(stored)
    if setting.kind is Kind.QUORUM:
        return {"min": int(stored["N"])}
    if setting.kind is Kind.PATTERNS:
        return json.loads(stored["S"])
    return stored["S"]


def setting_attributes(m: Monitor) -> Item:
    """The settings that are set, each under its attribute. Settings stored as the keys of one map
    attribute (`keywords.success`) are stored together, all of them, when one is set."""
    item: Item = {}
    maps: dict[str, list[tuple[str, Setting, Any]]] = {}
    for setting in SETTINGS:
        name, _, key = setting.attribute.partition(".")
        value = getattr(m, setting.attr)
        if key:
            maps.setdefault(name, []).append((key, setting, value))
        elif is_set(value):
            item[name] = write_setting(setting, value)
    for name, keys in maps.items():
        if any(is_set(value) for _, _, value in keys):
            item[name] = {"M": {key: write_setting(setting, value) for key, setting, value in keys}}
    return item


# Attributes a monitor may or may not have; an update REMOVEs the ones it no longer has.
OPTIONAL_SETTINGS = (
    *dict.fromkeys(setting.attribute.partition(".")[0] for setting in SETTINGS if not is_set(setting.default)),
    "window_ms",
    "description",
    "hc_channels",
    "from_file",
    "apply_key",
    "events_pk",
)


def settings_item(m: Monitor) -> Item:
    """A monitor's settings as stored, with the spans a ping's write adds to its time (domain/writes.py)."""
    item: Item = {
        "name": s(m.name),
        "list_sk": s(f"{m.name.casefold()}#{m.id}"),
        "tags": strings(m.tags),
        "rev": n(m.rev),
        **setting_attributes(m),
        # The spans a ping's write adds to its time without reading the monitor (domain/writes.py).
        **{span.value: n(ms) for span in Span if (ms := span.of(m)) is not None},
    }
    if m.description:
        item["description"] = s(m.description)
    if m.hc_channels is not None:
        item["hc_channels"] = s(m.hc_channels)
    if m.from_file:
        item["from_file"] = {"BOOL": True}
    if m.apply_key is not None:
        item["apply_key"] = s(m.apply_key)
    if m.events:
        item["events_pk"] = s(EVENTS_PK)  # puts the monitor in the sparse `events` index
    return item


def monitor_item(m: Monitor, shard: str) -> Item:
    """A whole monitor item; `shard`: its partition of the due index, used while a deadline is armed."""
    item: Item = {
        **monitor_key(m.id),
        "id": s(m.id),
        "token": s(m.token),
        "type": s(m.type),
        "status": s(m.status.value),
        "created_ms": n(m.created_ms),
        "n_pings": n(m.n_pings),
        "list_pk": s(LIST_PK),
        "runs": {"M": {k: n(v) for k, v in (m.runs or {}).items()}},
        **settings_item(m),
        "updated_ms": n(m.updated_ms),
    }
    optional = {
        "last_ping_ms": m.last_ping_ms,
        "last_result_ms": m.last_result_ms,
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
    item.update({name: n(value) for name, value in optional.items() if value is not None})
    if m.last_ping_kind is not None:
        item["last_ping_kind"] = s(m.last_ping_kind)
    if m.slug is not None:
        item["slug"] = s(m.slug)
    if m.held_by is not None:
        item["held_by"] = s(m.held_by)
    if m.holding:
        item["holding"] = {"SS": sorted(m.holding)}
    if m.instances is not None:
        item["instances"] = {"M": {k: n(v) for k, v in m.instances.items()}}
    if m.deadline_ms is not None:
        item["due_shard"] = s(shard)
    return item


def alert_item(alert: Alert, now_ms: int, shard: str) -> Item:
    item: Item = {
        **alert_key(alert),
        "monitor_id": s(alert.monitor_id),
        "incident_ms": n(alert.incident_ms),
        "event": s(alert.event.value),
        "subject": s(alert.subject),
        "message": s(alert.message),
        "tags": strings(alert.tags),
        "reminder": n(alert.reminder),
        "state": s("pending"),
        "attempts": n(0),
        "created_ms": n(now_ms),
    }
    if alert.facts is not None:
        item["facts"] = s(alert.facts.to_json())
    if alert.lease_until_ms is not None:
        # In the due index until sent: the sweeper retries it once the lease has passed.
        item["deadline"] = n(alert.lease_until_ms)
        item["due_shard"] = s(shard)
    return item


def incident_item(monitor_id: str, opened_ms: int, cause: Cause, caused_by: str | None = None) -> Item:
    item: Item = {
        "pk": monitor_pk(monitor_id),
        "sk": s(incident_sk(opened_ms)),
        "monitor_id": s(monitor_id),
        "opened_ms": n(opened_ms),
        "cause": s(cause.value),
        "list_pk": s(INCIDENT_LIST_PK),
        "list_sk": s(f"{opened_ms:013d}#{monitor_id}"),
    }
    if caused_by is not None:
        item["caused_by"] = s(caused_by)
    return item


def ping_event_item(event: PingEvent, retention_s: int) -> Item:
    p = event.ping
    item: Item = {
        "pk": monitor_pk(event.monitor_id),
        "sk": s(ping_sk(event.n)),
        "monitor_id": s(event.monitor_id),
        "n": n(event.n),
        "at_ms": n(event.at_ms),
        "kind": s(p.kind.value),
        "method": s(p.method),
        "source_ip": s(p.source_ip),
        "user_agent": s(p.user_agent),
        "body_truncated": {"BOOL": p.body_truncated},
        "body_size": n(p.body_size),
        "expires_at": n(event.at_ms // 1000 + retention_s),
    }
    if p.body:
        item["body"] = {"B": p.body}
    if p.exit_status is not None:
        item["exit_status"] = n(p.exit_status)
    if event.duration_ms is not None:
        item["duration_ms"] = n(event.duration_ms)
    if event.cause is not None:
        item["cause"] = s(event.cause.value)
    if event.ignored:
        item["ignored"] = {"BOOL": True}
    if p.rid is not None:
        item["rid"] = s(p.rid)
    return item


def api_key_item(key: ApiKey) -> Item:
    return {
        **api_key_key(key.key_hash),
        "key_hash": s(key.key_hash),
        "name": s(key.name),
        "role": s(key.role),
        "prefix": s(key.prefix),
        "created_ms": n(key.created_ms),
        "list_pk": s(KEY_LIST_PK),
        "list_sk": s(f"{key.created_ms:013d}#{key.key_hash}"),
    }


def target_item(target: Target) -> Item:
    item: Item = {
        "pk": s(TARGETS_PK),
        "sk": s(target.id),
        "kind": s(target.kind),
        "endpoint": s(target.endpoint),
        "content_type": s(target.content_type),
        "audience": s(target.audience),
        "created_ms": n(target.created_ms),
        "filter": {"M": {name: strings(values) for name, values in dataclasses.asdict(target.filter).items()}},
    }
    for name, value in [("chat_id", target.chat_id), ("url", target.url), ("template", target.template)]:
        if value:
            item[name] = s(value)
    return item


def target_from_item(item: Item) -> Target:
    f = item.get("filter", {}).get("M", {})
    return Target(
        id=item["sk"]["S"],
        kind=item["kind"]["S"],
        endpoint=item["endpoint"]["S"],
        chat_id=item.get("chat_id", {}).get("S", ""),
        url=item.get("url", {}).get("S", ""),
        template=item.get("template", {}).get("S", ""),
        content_type=item.get("content_type", {}).get("S", "application/json"),
        filter=Filter(read_strings(f.get("monitors")), read_strings(f.get("tags")), read_strings(f.get("events"))),
        audience=item.get("audience", {}).get("S", ""),
        created_ms=int(item.get("created_ms", {}).get("N", "0")),
    )


def api_key_from_item(item: Item) -> ApiKey:
    return ApiKey(
        key_hash=item["key_hash"]["S"],
        name=item["name"]["S"],
        role=item["role"]["S"],
        prefix=item["prefix"]["S"],
        created_ms=int(item["created_ms"]["N"]),
    )
