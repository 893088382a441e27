"""`heartbeat import healthchecks`: a Healthchecks project's checks (read through its API, or from a saved
answer of `GET /api/v3/checks/`) made Heartbeat monitors through apply, idempotently and never pruning.

Each check becomes an apply entry whose `key` is `hc-` + Healthchecks' own `unique_key` (the SHA-1 of the
first half of the check's uuid), so a renamed check still matches its monitor, a read-only key and a
read-write key import to the same keys, and no ping token ends up in a key a read key can see.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import click

from heartbeat.domain.settings import EXTENSION, SETTINGS, Kind
from heartbeat_cli.api import TIMEOUT_SECONDS, ApiError, CliError
from heartbeat_cli.apply import apply_document
from heartbeat_cli.files import check_body_size
from heartbeat_cli.output import printable
from heartbeat_cli.session import Session, global_options, pass_session

KEY_ENV = "HEALTHCHECKS_API_KEY"
MAX_DEPTH = 32  # a checks answer nests 4 deep; deeper is no answer of Healthchecks' (and exhausts json's stack)
# Apply's fields by the names a check gives them: why apply refused a check, in the check's own terms.
HC_NAMES = {"name": "name", "description": "desc", "slug": "slug", "tags": "tags"} | {
    f"config.{s.api}": s.hc for s in SETTINGS if s.hc and s.hc != EXTENSION
}
# Settings only Heartbeat has, which its own Healthchecks API returns in `"heartbeat": {...}`.
EXTENDED = [s for s in SETTINGS if s.hc == EXTENSION]
FLAGS = [s for s in SETTINGS if s.kind is Kind.FLAG and s.hc]  # manual_resume, methods ("POST" or "")


# ---- reading the checks ------------------------------------------------------------------------------


def checks_url(base: str) -> str:
    """`https://healthchecks.io`, `https://hc.example.com/`, `.../api`, `.../api/v1/checks/` ->
    the list of checks (`/api/v3/checks/`, or the version the address names)."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--url {base!r}: give Healthchecks' address, such as https://healthchecks.io")
    path = parts.path.rstrip("/")
    found = re.search(r"/api(?:/v(\d+))?(?:/checks)?$", path)
    version = found[1] if found and found[1] else "3"
    root = path[: found.start()] if found else path
    return f"{parts.scheme}://{parts.netloc}{root}/api/v{version}/checks/"


def fetch_checks(url: str, api_key: str, timeout: float = TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """GET the checks with X-Api-Key; every failure a one-line CliError that never shows the key."""
    import urllib.error
    import urllib.request

    where = f"Healthchecks at {url}"
    if urlsplit(url).scheme not in ("http", "https"):
        raise CliError(f"{where}: not an http(s) address")
    headers = {"X-Api-Key": api_key, "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked above
    opener = urllib.request.build_opener(_same_origin_redirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as e:
        raise CliError(f"{where}: {_their_error(e.code, e.read())}") from None
    except urllib.error.URLError as e:
        raise CliError(f"cannot reach {where}: {e.reason}") from None
    except OSError as e:
        raise CliError(f"no answer from {where}: {e or type(e).__name__}") from None
    return parse_checks(raw, where)


def _same_origin_redirects() -> Any:
    """Follows a redirect (a moved path, a trailing slash) only within the same origin: the API key
    goes with the request, and must go to no other scheme, host or port (https to http would show
    it to the network, another port is another server)."""
    import urllib.request

    class SameOrigin(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            if origin(newurl) != origin(req.full_url):
                target = urlsplit(newurl)
                raise CliError(
                    f"Healthchecks at {req.full_url} redirects to another origin "
                    f"({printable(f'{target.scheme}://{target.netloc}')}): give that address with --url"
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return SameOrigin()


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port, the port as the scheme implies when not given; None for a bad port."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _their_error(status: int, raw: bytes) -> str:
    try:
        message = str(json.loads(raw)["error"])
    except (ValueError, KeyError, TypeError, RecursionError):
        message = ""
    if status == 401:
        return (f"{printable(message) or 'wrong api key'} (HTTP 401): give the project's API key "
                f"(read-write, or read-only) with --hc-api-key or ${KEY_ENV}")  # fmt: skip
    if status == 404:
        return "no checks list here (HTTP 404): is this a Healthchecks server, and its API on?"
    return printable(f"{message or raw[:200].decode('utf-8', 'replace').strip() or 'error'} (HTTP {status})")


def read_checks(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None
    return parse_checks(raw, path)


def parse_checks(raw: bytes, where: str) -> list[dict[str, Any]]:
    """`{"checks": [...]}` as `GET /api/v3/checks/` answers (a bare list is taken too)."""
    too_deep = f"{where}: nests deeper than {MAX_DEPTH} levels: not the answer of GET /api/v3/checks/"
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        raise CliError(f"{where}: not UTF-8 JSON") from None
    except ValueError as e:
        pos = f" (line {e.lineno}, column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        raise CliError(f"{where}: not JSON{pos}: expected the answer of GET /api/v3/checks/") from None
    except RecursionError:
        raise CliError(too_deep) from None
    if depth(doc) > MAX_DEPTH:
        raise CliError(too_deep)
    checks = doc.get("checks") if isinstance(doc, dict) else doc
    if not isinstance(checks, list):
        raise CliError(f'{where}: expected {{"checks": [...]}}, as GET /api/v3/checks/ answers')
    for i, check in enumerate(checks):
        if not isinstance(check, dict):
            raise CliError(f"{where}: checks[{i}] is not an object")
    return checks


def depth(value: Any) -> int:
    """How deep lists and objects nest in a JSON value; iterative, so no depth can exhaust the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


# ---- one check as an apply entry (pure) -------------------------------------------------------------


@dataclass
class Imported:
    """One check: its apply entry (None when skipped, with why), what did not come over, and its ping URLs."""

    name: str
    key: str | None
    old_ping_url: str
    entry: dict[str, Any] | None = None
    skipped: str | None = None
    lost: list[str] = field(default_factory=list)  # what could not be carried over
    notes: list[str] = field(default_factory=list)  # what came over differently
    new_ping_url: str | None = None

    def skip(self, why: str) -> None:
        self.entry, self.skipped = None, why


def check_key(check: dict[str, Any]) -> str | None:
    """`hc-<unique_key>`: Healthchecks' unique_key as a read-only key sees it, computed from the uuid
    (or the ping URL, on servers older than `uuid`) for a read-write key."""
    code = _text(check.get("uuid")) or _text(check.get("ping_url")).rstrip("/").rpartition("/")[2]
    if code:
        try:
            half = uuid.UUID(code).hex[:16]
        except ValueError:
            half = code
        return "hc-" + hashlib.sha1(half.encode()).hexdigest()  # noqa: S324 - Healthchecks' unique_key
    unique_key = _text(check.get("unique_key")).lower()
    return f"hc-{unique_key}" if re.fullmatch(r"[0-9a-z]{1,96}", unique_key) else None


def translate(check: dict[str, Any]) -> Imported:
    name = _text(check.get("name")).strip()
    slug = _text(check.get("slug"))
    old = _text(check.get("ping_url")) or (
        "(not shown to a read-only key)" if check.get("unique_key") else "(none in the answer)"
    )
    item = Imported(name or slug or "unnamed", check_key(check), old)
    if not name:
        item.notes.append(f"no name on Healthchecks: named {item.name!r}")
    if item.key is None:
        item.skip("no uuid, ping_url or unique_key to know it by on the next import")
        return item
    try:
        config = schedule_of(check, item)
    except ValueError as e:
        item.skip(str(e))
        return item
    config["gracePeriod"] = check.get("grace")
    for flag in FLAGS:  # set when on; off is their default
        on, _ = flag.hc_flag
        value = check.get(flag.hc)
        if type(value) is type(on) and value == on:  # JSON's own types: 1 is not true
            config[flag.api] = True
    config.update(keywords_of(check, item))
    extension = check.get(EXTENSION)
    if isinstance(extension, dict):
        config.update({s.api: extension[s.api] for s in EXTENDED if extension.get(s.api) is not None})
    entry: dict[str, Any] = {"name": item.name, "key": item.key}
    if _text(check.get("desc")):
        entry["description"] = check["desc"]
    if slug:
        entry["slug"] = slug
    entry |= {"type": "HEARTBEAT", "config": config, "tags": _tags(check.get("tags"))}
    item.entry = entry
    item.lost.extend(lost_settings(check))
    return item


def schedule_of(check: dict[str, Any], item: Imported) -> dict[str, Any]:
    """`timeout`, or `schedule` + `tz` (a schedule wins, as on Healthchecks); OnCalendar forms that
    say exactly what a cron line says become that line, others refuse the check (ValueError)."""
    schedule = check.get("schedule")
    if schedule is None:
        if "timeout" not in check:
            raise ValueError("neither timeout nor schedule in the check")
        return {"expectedInterval": check["timeout"]}
    tz = check.get("tz", "UTC")
    if isinstance(schedule, str) and "\n" not in schedule.strip() and len(schedule.split()) == 5:
        return {"schedule": schedule, "timezone": tz}
    cron = oncalendar_cron(schedule) if isinstance(schedule, str) else None
    if cron is None:
        raise ValueError(
            f"OnCalendar schedule {schedule!r}: Heartbeat takes 5-field cron only; give the check a cron "
            "schedule on Healthchecks and import again, or make its monitor by hand"
        )
    item.notes.append(f"OnCalendar schedule {schedule!r} imported as cron {cron!r}")
    return {"schedule": cron, "timezone": tz}


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NUMBERS = {w: n for n, day in enumerate(WEEKDAYS, 1) for w in (day, day[:3])}  # Mon 1 .. Sun 7, as systemd
SHORTHANDS = {"hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 1", "monthly": "0 0 1 * *",
              "yearly": "0 0 1 1 *", "annually": "0 0 1 1 *"}  # fmt: skip


def oncalendar_cron(expression: str) -> str | None:
    """The cron line for the OnCalendar forms that have one exactly: `[weekdays] [*-*-*] HH:MM[:00]`
    (`Mon..Fri 09:00`, `Sat,Sun *-*-* 18:30:00`) and the shorthands (`daily`, ...); else None."""
    words = expression.strip().split()
    if len(words) == 1 and words[0].lower() in SHORTHANDS:
        return SHORTHANDS[words[0].lower()]
    time = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", words[-1]) if words else None
    if time is None or int(time[1]) > 23 or int(time[2]) > 59:
        return None
    rest = words[:-1]
    if rest and rest[-1] == "*-*-*":
        rest = rest[:-1]
    days: str | None = "*"
    if rest:
        days = _weekdays(rest[0]) if len(rest) == 1 else None
    return None if days is None else f"{int(time[2])} {int(time[1])} * * {days}"


def _weekdays(text: str) -> str | None:
    """`Mon..Fri` -> `1-5`, `Sat,Sun` -> `0,6`; None for what is not a list of days and ranges."""
    chosen: set[int] = set()
    for part in text.lower().split(","):
        first, _, last = part.partition("..")
        start, end = DAY_NUMBERS.get(first), DAY_NUMBERS.get(last or first)
        if start is None or end is None or start > end:
            return None
        chosen.update(d % 7 for d in range(start, end + 1))
    if len(chosen) == 7:
        return "*"
    days = sorted(chosen)
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def keywords_of(check: dict[str, Any], item: Imported) -> dict[str, Any]:
    """Healthchecks judges HTTP bodies by its keywords only with `filter_http_body`; Heartbeat always
    does. A body matching none: failed there with `filter_default_fail`, else ignored; here, a failure
    when success keywords are set, else a success."""
    success, failure = _keywords(check.get("success_kw")), _keywords(check.get("failure_kw"))
    if not (success or failure):
        return {}
    if check.get("filter_http_body") is not True:
        item.lost.append("success_kw/failure_kw: Healthchecks matched them in emails only (filter_http_body off);"
                         " Heartbeat takes no email pings")  # fmt: skip
        return {}
    there = "a failure" if check.get("filter_default_fail") is True else "ignored"
    here = "a failure" if success else "a success"
    if there != here:
        item.notes.append(f"a ping body with no keyword: {there} on Healthchecks, {here} here")
    return {"successKeywords": success, "failureKeywords": failure}


def lost_settings(check: dict[str, Any]) -> list[str]:
    lost = []
    if _text(check.get("start_kw")):
        lost.append(f"start_kw {check['start_kw']!r}: Heartbeat has no start keywords (send /start)")
    if check.get("filter_subject") is True or check.get("filter_body") is True:
        lost.append("email filters (filter_subject/filter_body): Heartbeat takes no email pings")
    if _text(check.get("channels")):
        lost.append("channels: alerts go to Heartbeat's subscriptions (heartbeat subscriptions add)")
    if check.get("status") == "paused":
        lost.append("paused on Healthchecks: imported unpaused (new: no alert before its first ping)")
    return lost


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _keywords(value: Any) -> list[str]:
    return list(dict.fromkeys(k.strip() for k in _text(value).split(",") if k.strip()))


def _tags(value: Any) -> list[str]:
    return list(dict.fromkeys(t for t in _text(value).split(" ") if t.strip()))


# ---- applying, and the report --------------------------------------------------------------------------


def import_checks(api: Any, checks: list[dict[str, Any]], dry_run: bool, source: str) -> tuple[str, list[Imported]]:
    """Apply what can be imported (prune none); the plan's lines, and each check with its ping URLs."""
    items = [translate(c) for c in checks]
    seen: set[str] = set()
    for item in items:
        if item.entry is not None and item.key in seen:
            item.skip("listed twice (the same uuid)")
        seen.add(item.key or "")
    plan = apply_importable(api, items, dry_run, source)
    fill_ping_urls(api, [i for i in items if i.entry is not None], dry_run)
    return plan, items


def apply_importable(api: Any, items: list[Imported], dry_run: bool, source: str) -> str:
    """apply's plan refuses a whole document for one bad entry: each entry it refuses is skipped with
    its reasons (a refused slug alone is dropped, the slug then derived from the name), and the rest
    planned again. Nothing is written until a plan passes."""
    for _ in range(len(items) + 1):
        todo = [i for i in items if i.entry is not None]
        doc = {"version": "1", "monitors": [i.entry for i in todo]}
        check_body_size(doc, source)
        try:
            return apply_document(api, doc, dry_run, "none")
        except ApiError as e:
            refused = refused_entries(e, len(todo))
            if e.status != 422 or not refused:
                raise
        for index, problems in refused.items():
            item, entry = todo[index], todo[index].entry or {}
            if {f for f, _ in problems} == {"slug"}:
                item.notes.append(f"slug {entry.pop('slug', '')!r} is not one Heartbeat takes: derived from the name")
            else:
                item.skip("; ".join(f"{hc_name(f)}: {m.removeprefix('Value error, ')}" for f, m in problems))
    raise CliError("apply kept refusing the checks; nothing was imported")


def hc_name(where: str) -> str:
    """`config.gracePeriod` -> `grace`, `tags[2]` -> `tags`: the field as the check calls it."""
    return HC_NAMES.get(where.split("[")[0], where)


def refused_entries(error: ApiError, count: int) -> dict[int, list[tuple[str, str]]]:
    refused: dict[int, list[tuple[str, str]]] = {}
    for where, message in error.details:
        found = re.fullmatch(r"monitors\[(\d+)\]\.?(.*)", where)
        if found is None or int(found[1]) >= count:
            return {}  # a problem with the document itself: not one entry's
        refused.setdefault(int(found[1]), []).append((found[2], message))
    return refused


def fill_ping_urls(api: Any, items: list[Imported], dry_run: bool) -> None:
    """The plan (a dry run) names each entry's monitor, in the document's order, matched by key;
    the monitors' listing gives their ping URLs."""
    if not items:
        return
    doc = {"version": "1", "monitors": [i.entry for i in items]}
    plan = api.call("POST", "/api/v1/apply", doc, query={"dryRun": "true", "prune": "none"})
    ids = [c.get("id") if c.get("name") == i.name else None for c, i in zip(plan["changes"], items, strict=False)]
    urls: dict[str, str | None] = {}
    cursor = None
    while set(ids) - {None} - set(urls):
        page = api.call("GET", "/api/v1/monitors", query={"limit": 100} | ({"cursor": cursor} if cursor else {}))
        urls |= {m["id"]: m.get("pingUrl") for m in page["items"]}
        cursor = page.get("nextCursor")
        if not cursor:
            break
    for item, monitor_id in zip(items, ids, strict=False):
        if monitor_id is None:
            item.new_ping_url = "(made when applied)" if dry_run else "(not found)"
        else:
            item.new_ping_url = urls.get(monitor_id) or "(not shown to a read-only key)"


def report(items: list[Imported], dry_run: bool) -> str:
    lines = []
    for item in items:
        if item.entry is None:
            lines.append(f"! {item.name}: skipped: {item.skipped}")
            continue
        lines += [f"- {item.name}", f"    ping URL  {item.old_ping_url}", f"           -> {item.new_ping_url}"]
        lines += [f"    not carried over: {text}" for text in item.lost]
        lines += [f"    note: {text}" for text in item.notes]
    done = sum(i.entry is not None for i in items)
    lines.append(f"Checks: {len(items)}, {done} {'to import' if dry_run else 'imported'}, {len(items) - done} skipped.")
    # Names, URLs and reasons come from the checks: a newline or an escape sequence in one must not
    # start a report line of its own, or rewrite the terminal.
    return "\n".join(printable(line) for line in lines)


def report_json(plan: str, items: list[Imported], dry_run: bool) -> str:
    checks = [
        {"name": i.name, "key": i.key, "imported": i.entry is not None, "skipped": i.skipped,
         "oldPingUrl": i.old_ping_url, "newPingUrl": i.new_ping_url, "notCarriedOver": i.lost, "notes": i.notes}
        for i in items
    ]  # fmt: skip
    return json.dumps({"dryRun": dry_run, "plan": plan.splitlines(), "checks": checks}, indent=2)


# ---- the commands ------------------------------------------------------------------------------------


@click.group("import", help="make monitors from another service's checks")
def import_group() -> None:
    pass


@import_group.command("healthchecks", help="import every check of a Healthchecks project (never deletes)")
@click.option("--url", help="Healthchecks' address: https://healthchecks.io, or your own (with or without /api/vN)")
@click.option("--hc-api-key", envvar=KEY_ENV, show_envvar=True, help="the Healthchecks project's API key")
@click.option("--from-file", "path", help="the saved answer of GET /api/v3/checks/, instead of --url")
@click.option("--dry-run", is_flag=True, help="print the plan and the report, change nothing")
@global_options
@pass_session
def healthchecks(session: Session, url: str | None, hc_api_key: str | None, path: str | None, dry_run: bool) -> str:
    if (url is None) == (path is None):
        raise click.UsageError("give one of --url or --from-file")
    if path is not None:
        checks, source = read_checks(path), path
    else:
        if not hc_api_key:
            raise click.UsageError(
                f"no Healthchecks API key: set ${KEY_ENV} or pass --hc-api-key (--api-key is Heartbeat's own key)"
            )
        source = checks_url(url or "")
        checks = fetch_checks(source, hc_api_key)
    plan, items = import_checks(session.api, checks, dry_run, source)
    if session.as_json:
        return report_json(plan, items, dry_run)
    heading = "Dry run: nothing was changed." if dry_run else ""
    return "\n".join(part for part in (plan, report(items, dry_run), heading) if part)
