"""`heartbeat discover`: the account's scheduled jobs (EventBridge Scheduler schedules, scheduled
EventBridge rules) as a monitors file, each monitor with its job's own schedule and the `events`
pattern its runs match.

Listing AWS takes boto3 clients (list_scheduled); turning a schedule expression into a monitor's
config and a target into an event pattern is pure, so both are tested without AWS.
"""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from heartbeat_cli.apply import apply_document
from heartbeat_cli.session import Session, global_options, pass_session

# Grace: a tenth of the period between runs, at least 5 minutes, at most an hour, plus a
# flexible-time window if the schedule has one (Scheduler may start the run that much later).
GRACE_SHARE, MIN_GRACE_S, MAX_GRACE_S = 0.1, 300, 3600
RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
DOW_FIELD = 4  # in the 5-field cron: minute hour day month weekday
GAPS_SAMPLED = 24  # upcoming runs a cron's shortest period is measured over


class Skip(Exception):
    """A schedule or target discover cannot monitor; the text says why."""


@dataclass(frozen=True)
class Scheduled:
    """A schedule or scheduled rule as AWS describes it, and the targets it starts."""

    kind: str  # "schedule" (EventBridge Scheduler) or "rule" (an EventBridge rule on the default bus)
    name: str
    expression: str  # cron(...), rate(...) or at(...)
    timezone: str = "UTC"
    group: str = "default"
    enabled: bool = True
    flexible_window_s: int = 0
    targets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        where = f"{self.group}/" if self.kind == "schedule" and self.group != "default" else ""
        return f"{self.kind} {where}{self.name}"


# ---- listing (boto3) ----------------------------------------------------------------------------


def list_scheduled(scheduler: Any, events: Any) -> list[Scheduled]:
    """Every Scheduler schedule (all groups) and every scheduled rule on the default bus."""
    found = []
    for page in scheduler.get_paginator("list_schedules").paginate():
        for s in page.get("Schedules", []):
            got = scheduler.get_schedule(Name=s["Name"], GroupName=s.get("GroupName") or "default")
            window = got.get("FlexibleTimeWindow") or {}
            minutes = window.get("MaximumWindowInMinutes", 0) if window.get("Mode") == "FLEXIBLE" else 0
            found.append(
                Scheduled(
                    "schedule", got["Name"], got["ScheduleExpression"], got.get("ScheduleExpressionTimezone") or "UTC",
                    got.get("GroupName") or "default", got.get("State", "ENABLED") == "ENABLED", minutes * 60,
                    [got["Target"]] if got.get("Target") else [],
                )
            )  # fmt: skip
    for page in events.get_paginator("list_rules").paginate(EventBusName="default"):
        for r in page.get("Rules", []):
            if not r.get("ScheduleExpression"):
                continue  # a rule on an event pattern: runs when something happens, not on a schedule
            targets = [
                t
                for tp in events.get_paginator("list_targets_by_rule").paginate(Rule=r["Name"], EventBusName="default")
                for t in tp.get("Targets", [])
            ]
            enabled = r.get("State", "ENABLED") == "ENABLED"
            found.append(Scheduled("rule", r["Name"], r["ScheduleExpression"], enabled=enabled, targets=targets))
    return found


# ---- schedule expressions -> monitor config (pure) ---------------------------------------------


def schedule_config(expression: str, timezone: str, now_ms: int, flexible_window_s: int = 0) -> dict[str, Any]:
    """`cron(...)` as `schedule` + `timezone`, `rate(...)` as `expectedInterval`, each with a grace
    period; Skip for a one-time `at(...)` or what cannot be expressed."""
    expression = expression.strip()
    if expression.startswith("at("):
        raise Skip(f"one-time schedule {expression}: nothing recurs to monitor")
    if expression.startswith("rate("):
        period = rate_seconds(expression)
        return {"expectedInterval": period, "gracePeriod": grace_for(period, flexible_window_s)}
    if expression.startswith("cron("):
        from heartbeat.domain.errors import InvalidInput
        from heartbeat.domain.schedules import check_zone

        cron = cron_expression(expression)
        try:
            period = cron_period(cron, check_zone(timezone), now_ms)
        except InvalidInput as e:  # a zone the API refuses (checked as the API checks it)
            raise Skip(e.message) from None
        return {"schedule": cron, "timezone": timezone, "gracePeriod": grace_for(period, flexible_window_s)}
    raise Skip(f"unknown schedule expression {expression!r}")


def rate_seconds(expression: str) -> int:
    """`rate(5 minutes)` -> 300, `rate(1 hour)` -> 3600, `rate(2 days)` -> 172800."""
    from heartbeat.domain.model import MAX_SECONDS

    m = re.fullmatch(r"rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)", expression.strip())
    if not m or int(m[1]) < 1:
        raise Skip(f"not a rate expression Heartbeat reads: {expression!r}")
    seconds = int(m[1]) * RATE_UNITS[m[2]]
    if seconds > MAX_SECONDS:
        raise Skip(f"{expression}: longer than {MAX_SECONDS // 86400} days, the longest interval a monitor takes")
    return seconds


def cron_expression(expression: str) -> str:
    """EventBridge's 6-field `cron(min hour dom month dow year)` as 5-field cron: the year dropped,
    `?` as `*`, weekdays 1-7 (SUN-SAT) as 0-6. Skip when cron cannot say the same (a `W` day)."""
    from heartbeat.domain.errors import InvalidInput
    from heartbeat.domain.schedules import check_cron

    m = re.fullmatch(r"cron\((.*)\)", expression.strip())
    fields = m[1].split() if m else []
    if len(fields) != 6:
        raise Skip(f"not a 6-field EventBridge cron expression: {expression!r}")
    five = ["*" if f == "?" else f.upper() for f in fields[:5]]
    five[DOW_FIELD] = weekdays(five[DOW_FIELD])
    cron = " ".join(five)
    try:
        return check_cron(cron)
    except InvalidInput as e:
        raise Skip(f"{expression} as cron {cron!r} {e.message}") from None


def weekdays(field_text: str) -> str:
    """EventBridge's weekday numbers (1 = SUN ... 7 = SAT) as cron's (0 = SUN ... 6 = SAT); names,
    `*`, steps after `/` and the nth after `#` unchanged. `L` alone is Saturday, `6L` the last Friday."""
    if field_text == "L":
        return "6"

    def shift(part: str) -> str:
        base, slash, step = part.partition("/")
        base, hash_, nth = base.partition("#")
        base = re.sub(r"\d+", lambda d: str(int(d[0]) - 1) if 1 <= int(d[0]) <= 7 else d[0], base)
        return base + hash_ + nth + slash + step

    return ",".join(shift(p) for p in field_text.split(","))


def cron_period(cron: str, timezone: str, now_ms: int) -> int:
    """The shortest time between two of the next runs, in seconds (what the grace is a share of)."""
    from heartbeat.domain.schedules import next_after

    times = [next_after(cron, timezone, now_ms)]
    for _ in range(GAPS_SAMPLED):
        times.append(next_after(cron, timezone, times[-1]))
    return min(b - a for a, b in itertools.pairwise(times)) // 1000


def grace_for(period_s: int, flexible_window_s: int = 0) -> int:
    """10% of the period, within 5 minutes and an hour, plus any flexible-time window."""
    return min(max(round(period_s * GRACE_SHARE), MIN_GRACE_S), MAX_GRACE_S) + flexible_window_s


# ---- targets -> event patterns (pure) ----------------------------------------------------------


def target_pattern(target: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge pattern that matches the runs this target starts (each run source's own, in
    heartbeat/domain/runsources/), or Skip saying why not."""
    from heartbeat.domain import runsources

    try:
        return runsources.pattern_for(target)
    except runsources.NotMonitorable as e:
        raise Skip(str(e)) from None


# ---- the monitors file (pure) ------------------------------------------------------------------


def monitors_file(found: list[Scheduled], now_ms: int) -> tuple[dict[str, Any], list[str], list[str]]:
    """The monitors file for what was found, what was skipped (and why), and notes for the user."""
    from heartbeat.domain.runsources import discovery_notes
    from heartbeat.domain.slugs import slugify

    monitors: list[dict[str, Any]] = []
    skipped: list[str] = []
    notes: list[str] = []
    keys: set[str] = set()
    for s in sorted(found, key=lambda s: (s.kind != "schedule", s.group, s.name)):
        if not s.enabled:
            skipped.append(f"{s.label}: disabled")
            continue
        try:
            config = schedule_config(s.expression, s.timezone, now_ms, s.flexible_window_s)
        except Skip as e:
            skipped.append(f"{s.label}: {e}")
            continue
        patterns = []
        for t in s.targets:
            try:
                patterns.append(target_pattern(t))
            except Skip as e:
                skipped.append(f"{s.label}: {e}")
        if not patterns:
            if not s.targets:
                skipped.append(f"{s.label}: no targets")
            continue
        notes += [f"{s.label}: {note}" for note in discovery_notes(patterns)]
        stem = s.name if s.kind == "schedule" and s.group == "default" else f"{s.group}-{s.name}"
        key = base = slugify(stem if s.kind == "schedule" else f"rule-{s.name}")[:96]
        n = 1
        while key in keys:  # the same slug from two names (case, punctuation): keep each stable by order
            n += 1
            key = f"{base}-{n}"
        keys.add(key)
        name = s.name if s.kind == "schedule" and s.group == "default" else s.label.split(" ", 1)[1]
        if any(m["name"] == name for m in monitors):
            name = f"{name} ({s.kind})"
        description = f"EventBridge {'Scheduler schedule' if s.kind == 'schedule' else 'rule'} {s.expression}"
        if s.kind == "schedule":
            description += f" ({s.timezone})"
        monitors.append({"name": name, "key": key, "type": "HEARTBEAT", "description": description,
                         "config": {**config, "events": patterns}})  # fmt: skip
    return {"version": "1", "monitors": monitors}, skipped, notes


def as_yaml(doc: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


@click.command("discover", help="write monitors for the account's scheduled jobs (Scheduler schedules, rules)")
@click.option("--region", help="default: the AWS CLI's (AWS_REGION, AWS_DEFAULT_REGION, the profile)")
@click.option("-f", "--file", "path", help="write the file here (default: standard output)")
@click.option("--apply", "and_apply", is_flag=True, help="show apply's plan for the file, then apply it")
@global_options
@pass_session
def discover(session: Session, region: str | None, path: str | None, and_apply: bool) -> str:
    import boto3

    aws = boto3.Session(region_name=region) if region else boto3.Session()
    found = list_scheduled(aws.client("scheduler"), aws.client("events"))
    doc, skipped, notes = monitors_file(found, int(session.now().timestamp() * 1000))
    for line in skipped:
        click.echo(f"skipped {line}", err=True)
    for line in notes:
        click.echo(f"note: {line}", err=True)
    text = as_yaml(doc)
    if not and_apply:
        if path is None:
            return text.rstrip("\n")
        write(path, text)
        return f"wrote {path}: {len(doc['monitors'])} monitors"
    if path is not None:
        write(path, text)
    return apply_discovered(session, doc)


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def apply_discovered(session: Session, doc: dict[str, Any]) -> str:
    """apply's dry run (the plan, shown), then the apply itself: its summary line. Never prunes."""
    plan = apply_document(session.api, doc, dry_run=True, prune="none")
    click.echo(plan)
    done = apply_document(session.api, doc, dry_run=False, prune="none", progress=sys.stderr)
    return done.splitlines()[-1]
