"""Monitoring as code: `heartbeat apply -f file` makes the monitors match the file, `export` writes them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

from heartbeat_cli.files import read_file
from heartbeat_cli.output import printable
from heartbeat_cli.session import Session, global_options, pass_session

CHUNK = 200  # monitors per request when applying a large file: progress to show, each well within 30 s
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}
BAR_WIDTH = 30


def describe(change: dict[str, Any]) -> str:
    diff = ", ".join(f"{k} {_shown(v['from'])} -> {_shown(v['to'])}" for k, v in change["diff"].items())
    name = printable(change["name"])  # a file's (or a Healthchecks check's) name: no escapes, no line of its own
    return f"{SYMBOLS[change['action']]} {change['action']:<9} {name}" + (f": {diff}" if diff else "")


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # a name in Cyrillic, a masked "…": as written


def summary(counts: dict[str, int], done: bool, what: str = "") -> str:
    words = (
        ("created", "updated", "unchanged", "deleted") if done else ("to create", "to update", "unchanged", "to delete")
    )
    parts = [f"{counts[a]} {w}" for a, w in zip(("create", "update", "unchanged", "delete"), words, strict=True)]
    return (what + ": " if what else "Applied: " if done else "Plan: ") + ", ".join(parts) + "."


@contextmanager
def progress_bar(total: int, stream: TextIO) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`. On a terminal, click's bar with the count and the time left; elsewhere
    (a log, a pipe, a test) the plain `applying [###...] n/N` line, redrawn each chunk."""
    if stream.isatty():
        with click.progressbar(
            length=total, label="applying", show_pos=True, width=BAR_WIDTH, file=stream
        ) as bar:  # fmt: skip
            yield bar.update
        return
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar = "#" * (BAR_WIDTH * done // total)
        print(f"\rapplying [{bar:<{BAR_WIDTH}}] {done}/{total}", end="", file=stream, flush=True)

    yield advance
    print(file=stream)


def apply_file(
    api: Any, path: str, dry_run: bool, prune: str, progress: TextIO | None = None, env: Collection[str] = ()
) -> str:
    """`env`: the environment variables the file's subscriptions may name as ${NAME}."""
    return apply_document(api, read_file(path, env, getattr(api, "key", "")), dry_run, prune, progress)


def apply_document(api: Any, doc: dict[str, Any], dry_run: bool, prune: str, progress: TextIO | None = None) -> str:
    """Validate and plan the whole document in one dry run (nothing is written if anything is wrong),
    then apply it in chunks with a progress bar (on `progress`, stderr by default), and prune last
    with the whole document in view."""
    plan = api.call("POST", "/api/v1/apply", doc, query={"dryRun": "true", "prune": prune})
    changes = plan["changes"] + plan["subscriptionChanges"] + plan.get("maintenanceChanges", [])
    lines = [describe(c) for c in changes if c["action"] != "unchanged"]
    counts, sub_counts = plan["summary"], plan["subscriptionSummary"]
    window_counts = plan.get("maintenanceSummary") or dict.fromkeys(SYMBOLS, 0)
    has_subs, has_windows = doc.get("subscriptions") is not None, doc.get("maintenance") is not None
    totals = [summary(counts, done=not dry_run)] + ([summary(sub_counts, not dry_run, "Subscriptions")] * has_subs)
    totals += [summary(window_counts, not dry_run, "Maintenance windows")] * has_windows
    if dry_run:
        return "\n".join([*lines, *totals])
    if all(c[a] == 0 for c in (counts, sub_counts, window_counts) for a in ("create", "update", "delete")):
        subs = f", {sub_counts['unchanged']} subscriptions" if has_subs else ""
        subs += f", {window_counts['unchanged']} maintenance windows" if has_windows else ""
        return f"No changes: {counts['unchanged']} monitors{subs} unchanged."
    entries = doc.get("monitors") or []
    chunks = [entries[i : i + CHUNK] for i in range(0, len(entries), CHUNK)] or [[]]
    monitors_only = {k: v for k, v in doc.items() if k not in ("subscriptions", "maintenance")}

    def send(n: int, chunk: list[Any]) -> None:
        # The subscriptions and maintenance windows (few) go with the first chunk only.
        body = {**(doc if n == 1 else monitors_only), "monitors": chunk}
        api.call("POST", "/api/v1/apply", body, query={"prune": "none"})

    if len(chunks) == 1:
        send(1, chunks[0])
    else:
        with progress_bar(len(entries), progress or sys.stderr) as advance:
            for n, chunk in enumerate(chunks, 1):
                send(n, chunk)
                advance(len(chunk))
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


@click.command("apply", help="make the monitors match a file (YAML), idempotently")
@click.option("-f", "--file", "path", required=True, help='version: "1" and a list of monitors')
@click.option("--dry-run", is_flag=True, help="print the plan, change nothing")
@click.option("--prune", is_flag=True, help="delete monitors an applied file declared and this one no longer does")
@click.option("--prune-all", is_flag=True, help="delete every monitor this file does not declare")
@click.option(
    "--env", "env", multiple=True, metavar="NAME",
    help="an environment variable the file's subscriptions may use as ${NAME} (repeat for each); no other is read",
)  # fmt: skip
@global_options
@pass_session
def apply(session: Session, path: str, dry_run: bool, prune: bool, prune_all: bool, env: tuple[str, ...]) -> str:
    if prune and prune_all:
        raise click.UsageError("--prune and --prune-all: give one of them, not both")
    return apply_file(session.api, path, dry_run, "all" if prune_all else "managed" if prune else "none", env=env)


@click.command("export", help="write every monitor as a file apply takes back")
@click.option("-f", "--file", "path", help="default: standard output")
@global_options
@pass_session
def export(session: Session, path: str | None) -> str:
    return export_file(session.api, path)
