"""`heartbeat`: the command line for the management API.

Reads HEARTBEAT_API_URL and HEARTBEAT_API_KEY (or --api-url / --api-key). Prints tables, or the
API's JSON with --output json. Only `keys bootstrap` talks to AWS directly (it makes the first key).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode


class CliError(Exception):
    pass


class Api:
    def __init__(self, url: str | None, key: str | None) -> None:
        if not url:
            raise CliError("no API URL: set HEARTBEAT_API_URL or pass --api-url (the stack's ApiUrl output)")
        if not key:
            raise CliError("no API key: set HEARTBEAT_API_KEY or pass --api-key")
        self.url = url.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = f"{self.url}{path}"
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - URL from the user
        request.add_header("X-Api-Key", self.key)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise CliError(_error_message(e.code, e.read())) from None
        except urllib.error.URLError as e:
            raise CliError(f"cannot reach the API at {self.url}: {e.reason}") from None
        return json.loads(raw) if raw else None


def _error_message(status: int, raw: bytes) -> str:
    try:
        error = json.loads(raw)["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}: {raw[:200].decode('utf-8', 'replace')}"
    details = error.get("details") or []
    if len(details) > 1:  # one line per problem, each with where it is
        return f"{len(details)} problems (HTTP {status}):\n" + "\n".join(
            f"  {d.get('field')}: {d.get('message')}" for d in details
        )
    return f"{error.get('message', 'error')} (HTTP {status})"


# ---- output ------------------------------------------------------------------------------------


PROTOCOLS = ["email", "sms", "https", "sqs", "lambda"]  # SNS's own
PROTOCOLS += ["slack", "discord", "teams", "telegram", "pagerduty", "opsgenie", "webhook"]  # the notifier's


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    cells = [[title for _, title in columns]]
    for row in rows:
        cells.append(["" if row.get(key) is None else _text(row.get(key)) for key, _ in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def flatten_monitor(m: dict[str, Any]) -> dict[str, Any]:
    c = m["config"]
    schedule = f"{c['schedule']} {c['timezone']}" if "schedule" in c else f"every {c['expectedInterval']} s"
    return {**m, "schedule": schedule, "grace": c["gracePeriod"], "policy": policy(c) or None}


def policy(c: dict[str, Any]) -> str:
    """The settings that differ from their defaults, in a few words."""
    words = []
    for field, text in (("maxRuntime", "max runtime {} s"), ("minInterval", "min interval {} s")):
        if c.get(field):
            words.append(text.format(c[field]))
    for field, text in (("successKeywords", "success if {}"), ("failureKeywords", "fail if {}")):
        if c.get(field):
            words.append(text.format(" or ".join(repr(k) for k in c[field])))
    if c.get("failureThreshold", 1) > 1:
        words.append(f"alert after {c['failureThreshold']} failures")
    if c.get("recoveryThreshold", 1) > 1:
        words.append(f"resolve after {c['recoveryThreshold']} good runs")
    if c.get("realertInterval"):
        words.append(f"remind every {c['realertInterval']} s")
    if c.get("manualResume"):
        words.append("manual resume")
    return "; ".join(words)


MONITOR_COLUMNS = [
    ("id", "ID"),
    ("name", "NAME"),
    ("status", "STATUS"),
    ("schedule", "SCHEDULE"),
    ("grace", "GRACE"),
    ("tags", "TAGS"),
    ("lastPingAt", "LAST PING"),
    ("nextDeadline", "NEXT DEADLINE"),
]


def show_monitor(m: dict[str, Any]) -> str:
    f = flatten_monitor(m)
    fields = [
        ("id", "id"),
        ("name", "name"),
        ("slug", "slug"),
        ("type", "type"),
        ("status", "status"),
        ("schedule", "schedule"),
        ("nextExpected", "next expected"),
        ("grace", "grace period (s)"),
        ("policy", "policy"),
        ("tags", "tags"),
        ("pingUrl", "ping URL"),
        ("lastPingAt", "last ping"),
        ("lastDurationSeconds", "last duration (s)"),
        ("nextDeadline", "next deadline"),
        ("openIncident", "open incident"),
        ("nextReminderAt", "next reminder"),
        ("createdAt", "created"),
    ]
    width = max(len(title) for _, title in fields)
    lines = [f"{title.ljust(width)}  {'' if f.get(key) is None else _text(f[key])}" for key, title in fields]
    if m.get("pingUrl"):
        lines.append(f"\nPing it at the end of the job:  curl -fsS -o /dev/null {m['pingUrl']}")
    return "\n".join(lines)


# ---- commands ----------------------------------------------------------------------------------


# (flag dest, config field): every monitor setting the API knows has a flag.
CONFIG_FLAGS = [
    ("expected_interval", "expectedInterval"),
    ("schedule", "schedule"),
    ("timezone", "timezone"),
    ("grace_period", "gracePeriod"),
    ("max_runtime", "maxRuntime"),
    ("min_interval", "minInterval"),
    ("success_keyword", "successKeywords"),
    ("failure_keyword", "failureKeywords"),
    ("failure_threshold", "failureThreshold"),
    ("recovery_threshold", "recoveryThreshold"),
    ("realert_interval", "realertInterval"),
    ("manual_resume", "manualResume"),
]
OFF = "off"  # clears an optional setting: --max-runtime off


def seconds_or_off(text: str) -> int | str:
    if text == OFF:
        return OFF
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds or {OFF!r}, got {text!r}") from None


def _config(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields given on the command line; `off` becomes null, `--x-keyword ""` an empty list."""
    config: dict[str, Any] = {}
    for dest, field in CONFIG_FLAGS:
        value = getattr(args, dest, None)
        if value is None:
            continue
        if isinstance(value, list):
            value = [v for v in value if v]
        config[field] = None if value == OFF else value
    return config


def run(args: argparse.Namespace) -> str:
    if args.group == "keys" and args.command == "bootstrap":
        return bootstrap_key(args)
    api = Api(args.api_url, args.api_key)
    as_json = args.output == "json"
    path = f"/api/v1/monitors/{quote(args.id, safe='')}" if getattr(args, "id", None) else "/api/v1/monitors"

    if args.group == "keys":
        return show_keys(api, args)
    if args.group == "subscriptions":
        return show_subscriptions(api, args)
    if args.group == "alerts":
        return show_alerts(api, args)
    if args.group == "apply":
        prune = "all" if args.prune_all else "managed" if args.prune else "none"
        return apply_file(api, args.file, args.dry_run, prune)
    if args.group == "export":
        return export_file(api, args.file)
    if args.group == "ping-key":
        if args.command == "rotate":
            result = api.call("POST", "/api/v1/ping-key/rotate")
        else:
            result = api.call("GET", "/api/v1/ping-key")
        if as_json:
            return json.dumps(result, indent=2)
        url = f"{result['pingUrlPrefix']}<slug>"
        return f"{result['pingKey']}\n\nPing a monitor by its slug:  curl -fsS -o /dev/null {url}"
    if args.group == "badge-key":
        result = api.call(
            *(("POST", "/api/v1/badge-key/rotate") if args.command == "rotate" else ("GET", "/api/v1/badge-key"))
        )
        if as_json:
            return json.dumps(result, indent=2)
        prefix = result["badgeUrlPrefix"]
        return f"{result['badgeKey']}\n\nA tag's badge:  {prefix}<tag>.svg  (shields.io: {prefix}<tag>.json)"
    if args.command == "create":
        body: dict[str, Any] = {"name": args.name, "type": args.type, "config": _config(args), "tags": args.tag}
        if args.slug:
            body["slug"] = args.slug
        result = api.call("POST", path, body)
    elif args.command == "update":
        body = {}
        if args.name is not None:
            body["name"] = args.name
        if args.tag is not None:
            body["tags"] = args.tag
        if args.slug is not None:
            body["slug"] = args.slug
        if _config(args):
            body["config"] = _config(args)
        result = api.call("PATCH", path, body)
    elif args.command == "list":
        result = api.call("GET", path, query={"limit": args.limit, "cursor": args.cursor})
        if as_json:
            return json.dumps(result, indent=2)
        out = table([flatten_monitor(m) for m in result["items"]], MONITOR_COLUMNS)
        return out + (f"\n(more: --cursor {result['nextCursor']})" if result.get("nextCursor") else "")
    elif args.command in ("pings", "incidents"):
        result = api.call("GET", f"{path}/{args.command}", query={"limit": args.limit})
        if as_json:
            return json.dumps(result, indent=2)
        if args.command == "pings":
            cols = [
                ("n", "N"),
                ("at", "AT"),
                ("kind", "KIND"),
                ("exitStatus", "EXIT"),
                ("cause", "CAUSE"),
                ("durationSeconds", "SECONDS"),
                ("sourceIp", "FROM"),
                ("bodyPreview", "BODY"),
            ]
        else:
            cols = [
                ("id", "ID"),
                ("status", "STATUS"),
                ("cause", "CAUSE"),
                ("openedAt", "OPENED"),
                ("resolvedAt", "RESOLVED"),
                ("durationSeconds", "SECONDS"),
            ]
        return table(result["items"], cols)
    elif args.command == "delete":
        api.call("DELETE", path)
        return json.dumps({"deleted": args.id}) if as_json else f"deleted {args.id}"
    elif args.command in ("pause", "resume"):
        result = api.call("POST", f"{path}/{args.command}")
    else:  # get
        result = api.call("GET", path)
    return json.dumps(result, indent=2) if as_json else show_monitor(result)


# ---- monitoring as code -------------------------------------------------------------------------

CHUNK = 200  # monitors per request when applying a large file: progress to show, each well within 30 s
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}


def read_file(path: str) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise CliError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(doc, dict):
        raise CliError(f'{path}: expected a mapping with version: "1" and a list of monitors')
    if isinstance(doc.get("subscriptions"), list):
        doc["subscriptions"] = [
            _expand(entry, f"{path}: subscriptions[{i}]") for i, entry in enumerate(doc["subscriptions"])
        ]
    return doc


def _expand(value: Any, where: str) -> Any:
    """${NAME} from the environment in a subscription, so a webhook URL or key stays out of git.
    (Templates' own $NAME, without braces, is left for the notifier.)"""
    if isinstance(value, dict):
        return {k: _expand(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, where) for v in value]
    if not isinstance(value, str):
        return value

    def variable(m: re.Match[str]) -> str:
        if m[1] not in os.environ:
            raise CliError(f"{where}: ${{{m[1]}}} is not set in the environment")
        return os.environ[m[1]]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", variable, value)


def describe(change: dict[str, Any]) -> str:
    diff = ", ".join(f"{k} {json.dumps(v['from'])} -> {json.dumps(v['to'])}" for k, v in change["diff"].items())
    return f"{SYMBOLS[change['action']]} {change['action']:<9} {change['name']}" + (f": {diff}" if diff else "")


def summary(counts: dict[str, int], done: bool, what: str = "") -> str:
    words = (
        ("created", "updated", "unchanged", "deleted") if done else ("to create", "to update", "unchanged", "to delete")
    )
    parts = [f"{counts[a]} {w}" for a, w in zip(("create", "update", "unchanged", "delete"), words, strict=True)]
    return (what + ": " if what else "Applied: " if done else "Plan: ") + ", ".join(parts) + "."


def apply_file(api: Any, path: str, dry_run: bool, prune: str, progress: Any = sys.stderr) -> str:
    """Validate and plan the whole file in one dry run (nothing is written if anything is wrong),
    then apply it in chunks with a progress bar, and prune last with the whole file in view."""
    doc = read_file(path)
    plan = api.call("POST", "/api/v1/apply", doc, query={"dryRun": "true", "prune": prune})
    changes = plan["changes"] + plan["subscriptionChanges"]
    lines = [describe(c) for c in changes if c["action"] != "unchanged"]
    counts, sub_counts = plan["summary"], plan["subscriptionSummary"]
    has_subs = doc.get("subscriptions") is not None
    totals = [summary(counts, done=not dry_run)] + ([summary(sub_counts, not dry_run, "Subscriptions")] * has_subs)
    if dry_run:
        return "\n".join([*lines, *totals])
    if all(c[a] == 0 for c in (counts, sub_counts) for a in ("create", "update", "delete")):
        subs = f", {sub_counts['unchanged']} subscriptions" if has_subs else ""
        return f"No changes: {counts['unchanged']} monitors{subs} unchanged."
    entries = doc.get("monitors") or []
    chunks = [entries[i : i + CHUNK] for i in range(0, len(entries), CHUNK)] or [[]]
    without_subs = {k: v for k, v in doc.items() if k != "subscriptions"}
    for n, chunk in enumerate(chunks, 1):
        # The subscriptions (few) go with the first chunk only.
        api.call(
            "POST", "/api/v1/apply", {**(doc if n == 1 else without_subs), "monitors": chunk}, query={"prune": "none"}
        )
        if len(chunks) > 1:
            done = min(n * CHUNK, len(entries))
            bar = "#" * (30 * done // len(entries))
            print(f"\rapplying [{bar:<30}] {done}/{len(entries)}", end="", file=progress, flush=True)
    if len(chunks) > 1:
        print(file=progress)
    if prune != "none":
        api.call("POST", "/api/v1/apply", doc, query={"prune": prune})
    return "\n".join([*lines, *totals])


def export_file(api: Any, path: str | None) -> str:
    import yaml

    text = yaml.safe_dump(api.call("GET", "/api/v1/export"), sort_keys=False, allow_unicode=True)
    if path is None:
        return text.rstrip("\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return f"wrote {path}"


def bootstrap_key(args: argparse.Namespace) -> str:
    """Make an API key straight in the table, with the caller's AWS credentials (who can deploy, can do this)."""
    import boto3

    from heartbeat.store import Store
    from heartbeat.usecases.keys import KeyRing, secret_from

    session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
    table_name, secret_arn = args.table, args.secret
    if args.stack:
        stack = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if "TableName" not in outputs or "ApiKeySecretArn" not in outputs:
            raise CliError(f"stack {args.stack} has no TableName and ApiKeySecretArn outputs; is it a Heartbeat stack?")
        table_name, secret_arn = outputs["TableName"], outputs["ApiKeySecretArn"]
    elif not secret_arn:
        raise CliError("with --table, give --secret too (the stack's ApiKeySecretArn output)")
    store = Store.open(session.client("dynamodb"), table_name)
    keyring = KeyRing(store, secret_from(session.client("secretsmanager"), secret_arn))
    key, _ = keyring.create(args.name, args.role, int(time.time() * 1000))
    if args.output == "json":
        return json.dumps({"key": key, "name": args.name, "role": args.role})
    return f"{key}\n\nThis is the only time the key is shown. export HEARTBEAT_API_KEY={key}"


def show_subscriptions(api: Any, args: argparse.Namespace) -> str:
    if args.command == "add":
        body = {
            "protocol": args.protocol,
            "endpoint": args.endpoint,
            "filter": {"monitors": args.monitor, "tags": args.tag, "events": args.event},
        }
        for flag, field in [("chat_id", "chatId"), ("url", "url"), ("template", "template")]:
            if getattr(args, flag) is not None:
                body[field] = getattr(args, flag)
        if args.content_type is not None:
            body["contentType"] = args.content_type
        result = api.call("POST", "/api/v1/subscriptions", body)
        if args.output == "json":
            return json.dumps(result, indent=2)
        note = "; confirm it from the message SNS sends" if result["status"] != "confirmed" else ""
        return f"subscribed {result['endpoint']} ({result['status']}{note}) id {result['id']}"
    if args.command == "remove":
        api.call("DELETE", f"/api/v1/subscriptions/{quote(args.id, safe='')}")
        return json.dumps({"removed": args.id}) if args.output == "json" else f"removed {args.id}"
    if args.command == "test":
        sent = api.call("POST", f"/api/v1/subscriptions/{quote(args.id, safe='')}/test")
        return json.dumps(sent) if args.output == "json" else f"test alert sent to {args.id} ({sent['messageId']})"
    listing = api.call("GET", "/api/v1/subscriptions")
    if args.output == "json":
        return json.dumps(listing, indent=2)
    rows = [
        {**s, "monitors": s["filter"]["monitors"], "tags": s["filter"]["tags"], "events": s["filter"]["events"]}
        for s in listing["items"]
    ]
    columns = [("id", "ID"), ("protocol", "PROTOCOL"), ("endpoint", "ENDPOINT"), ("status", "STATUS")]
    columns += [("monitors", "MONITORS"), ("tags", "TAGS"), ("events", "EVENTS")]
    return table(rows, columns)


def show_alerts(api: Any, args: argparse.Namespace) -> str:
    if args.command == "retry":
        # Ten at a time (each call fits the API's 30 s); on while a call moves anything out.
        total = {"delivered": 0, "failed": 0, "kept": 0, "dropped": 0}
        while True:
            report = api.call("POST", "/api/v1/alerts/retry")
            total = {k: total[k] + report[k] for k in total}
            if not (report["delivered"] or report["dropped"]):
                break
        if args.output == "json":
            return json.dumps(total)
        left = total["failed"] + total["kept"]
        return f"{total['delivered']} delivered, {total['dropped']} dropped (target removed), {left} still failing"
    listing = api.call("GET", "/api/v1/alerts/failed")
    if args.output == "json":
        return json.dumps(listing, indent=2)
    if not listing["items"]:
        return "No failed alerts."
    columns = [("alertId", "ALERT"), ("source", "SOURCE"), ("subscriptionId", "SUBSCRIPTION"), ("error", "ERROR")]
    return table(listing["items"], [*columns, ("failedAt", "FAILED AT")])


def show_keys(api: Any, args: argparse.Namespace) -> str:
    if args.command == "create":
        made = api.call("POST", "/api/v1/keys", {"name": args.name, "role": args.role})
        if args.output == "json":
            return json.dumps(made, indent=2)
        return f"{made['key']}\n\nkey {made['id']} ({made['role']}). This is the only time the key is shown."
    if args.command == "revoke":
        api.call("DELETE", f"/api/v1/keys/{quote(args.id, safe='')}")
        return json.dumps({"revoked": args.id}) if args.output == "json" else f"revoked {args.id}"
    listing = api.call("GET", "/api/v1/keys")
    if args.output == "json":
        return json.dumps(listing, indent=2)
    columns = [("id", "ID"), ("name", "NAME"), ("role", "ROLE"), ("prefix", "PREFIX"), ("createdAt", "CREATED")]
    return table(listing["items"], columns)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="heartbeat", description="Manage Heartbeat monitors.")
    p.add_argument("--api-url", default=os.environ.get("HEARTBEAT_API_URL"), help="default: $HEARTBEAT_API_URL")
    p.add_argument("--api-key", default=os.environ.get("HEARTBEAT_API_KEY"), help="default: $HEARTBEAT_API_KEY")
    p.add_argument("--output", "-o", choices=["table", "json"], default="table")
    groups = p.add_subparsers(dest="group", required=True)

    monitors = groups.add_parser("monitors", help="create, list, change and delete monitors")
    cmds = monitors.add_subparsers(dest="command", required=True)
    create = cmds.add_parser("create", help="create a monitor and print its ping URL")
    create.add_argument("--name", required=True)
    create.add_argument("--type", default="HEARTBEAT", help="monitor type (HEARTBEAT)")
    update = cmds.add_parser("update", help="change a monitor's name, schedule or tags")
    update.add_argument("id")
    update.add_argument("--name")
    for sub in (create, update):
        sub.add_argument("--expected-interval", type=int, help="seconds between runs (default 86400)")
        sub.add_argument("--schedule", help='cron expression instead of an interval, e.g. "0 2 * * *" or @daily')
        sub.add_argument("--timezone", help="IANA timezone the schedule runs in (default UTC)")
        sub.add_argument("--grace-period", type=int, help="seconds of lateness tolerated (default 3600)")
        sub.add_argument("--max-runtime", type=seconds_or_off, help="seconds a started run may take (default: grace)")
        sub.add_argument("--min-interval", type=seconds_or_off, help="a success sooner than this is early and alerts")
        for kind in ("success", "failure"):
            sub.add_argument(
                f"--{kind}-keyword", action="append", help='repeatable; checked in the ping body ("" clears)'
            )
        sub.add_argument("--failure-threshold", type=int, help="failed or missed runs in a row before alerting")
        sub.add_argument("--recovery-threshold", type=int, help="good runs in a row before resolving")
        sub.add_argument("--realert-interval", type=seconds_or_off, help="remind every N seconds while down")
        sub.add_argument(
            "--manual-resume", action=argparse.BooleanOptionalAction, help="when paused, ignore pings until resumed"
        )
        sub.add_argument("--slug", help="for /ping/<ping key>/<slug> (default: from the name; a rename keeps it)")
        sub.add_argument("--tag", action="append", default=None if sub is update else [], help="repeatable")
    listing = cmds.add_parser("list", help="list monitors")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--cursor")
    for name, text in [
        ("get", "show one monitor"),
        ("delete", "delete a monitor"),
        ("pause", "stop watching"),
        ("resume", "watch again from the next ping"),
    ]:
        cmds.add_parser(name, help=text).add_argument("id")
    for name in ("pings", "incidents"):
        sub = cmds.add_parser(name, help=f"a monitor's {name}, newest first")
        sub.add_argument("id")
        sub.add_argument("--limit", type=int, default=20)

    subs = groups.add_parser("subscriptions", help="who receives which alerts (SNS subscriptions)")
    sub_cmds = subs.add_subparsers(dest="command", required=True)
    add = sub_cmds.add_parser("add", help="subscribe an endpoint, optionally filtered")
    add.add_argument("--protocol", required=True, choices=PROTOCOLS)
    add.add_argument("--endpoint", required=True, help="address, phone number, URL, ARN, routing key or bot token")
    add.add_argument("--chat-id", help="telegram: the chat (a number, or @channel)")
    add.add_argument("--url", help="pagerduty, opsgenie, telegram: the service's API, when not its default")
    add.add_argument("--template", help="webhook: the body, with $NAME, $STATUS, $TAGS, $LAST_PING, $BODY, ...")
    add.add_argument("--content-type", help="webhook: the body's media type (default application/json)")
    add.add_argument("--monitor", action="append", default=[], help="repeatable: only these monitors (ids)")
    add.add_argument("--tag", action="append", default=[], help="repeatable: only monitors with any of these tags")
    add.add_argument("--event", action="append", default=[], choices=["monitor.down", "monitor.up", "monitor.reminder"])
    sub_cmds.add_parser("list", help="subscriptions, with their filters and confirmation status")
    sub_cmds.add_parser("remove", help="unsubscribe by id").add_argument("id")
    sub_cmds.add_parser("test", help="send a test alert to this subscription alone").add_argument("id")

    alerts = groups.add_parser("alerts", help="alerts that could not be delivered (the dead-letter queue)")
    alert_cmds = alerts.add_subparsers(dest="command", required=True)
    alert_cmds.add_parser("failed", help="what sits in the dead-letter queue, and why")
    alert_cmds.add_parser("retry", help="deliver them again; those delivered leave the queue")

    apply = groups.add_parser("apply", help="make the monitors match a file (YAML), idempotently")
    apply.add_argument("-f", "--file", required=True, help='version: "1" and a list of monitors')
    apply.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    prune = apply.add_mutually_exclusive_group()
    prune.add_argument(
        "--prune", action="store_true", help="delete monitors an applied file declared and this one no longer does"
    )
    prune.add_argument("--prune-all", action="store_true", help="delete every monitor this file does not declare")
    export = groups.add_parser("export", help="write every monitor as a file apply takes back")
    export.add_argument("-f", "--file", help="default: standard output")

    ping_key = groups.add_parser("ping-key", help="the ping key for /ping/<ping key>/<slug> URLs")
    ping_key_cmds = ping_key.add_subparsers(dest="command", required=True)
    ping_key_cmds.add_parser("show", help="show it (made on first use)")
    ping_key_cmds.add_parser("rotate", help="replace it; slug URLs with the old key stop working")

    badge_key = groups.add_parser("badge-key", help="the badge key for /badge/<badge key>/<tag>.svg URLs")
    badge_key_cmds = badge_key.add_subparsers(dest="command", required=True)
    badge_key_cmds.add_parser("show", help="show it (made on first use)")
    badge_key_cmds.add_parser("rotate", help="replace it; badges with the old key stop working")

    keys = groups.add_parser("keys", help="API keys")
    key_cmds = keys.add_subparsers(dest="command", required=True)
    boot = key_cmds.add_parser("bootstrap", help="create a key directly in a deployment's table (AWS credentials)")
    where = boot.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="CloudFormation stack name (reads its TableName output)")
    where.add_argument("--table", help="the DynamoDB table name (with --secret)")
    boot.add_argument("--secret", help="with --table: the ARN of the secret keys are hashed with")
    boot.add_argument("--region")
    boot.add_argument("--name", default="admin")
    boot.add_argument("--role", choices=["admin", "read"], default="admin")
    make = key_cmds.add_parser("create", help="a new API key (shown once)")
    make.add_argument("--name", required=True)
    make.add_argument("--role", choices=["admin", "read"], default="read")
    key_cmds.add_parser("list", help="API keys: id, name, role, prefix (never the keys)")
    key_cmds.add_parser("revoke", help="revoke a key by its id").add_argument("id")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(run(args))
    except CliError as e:
        print(f"heartbeat: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # boto3's errors when bootstrapping a key: say what AWS said, no traceback
        if type(e).__module__.startswith("botocore"):
            print(f"heartbeat: AWS: {e}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
