"""The monitors file: what `apply` takes, the plan it answers, and what `export` writes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from heartbeat.domain.alerts import iso
from heartbeat.domain.model import Monitor
from heartbeat.domain.settings import BY_API, SETTINGS
from heartbeat.domain.slugs import slugify
from heartbeat.domain.windows import MAX_WINDOWS
from heartbeat.usecases.apply import Change, DeclaredMonitor
from heartbeat.usecases.subscriptions import DeclaredSubscription, SubscriptionChange
from heartbeat.usecases.windows import WindowChange
from schemas.fields import Out, Slug, Strict, unique
from schemas.monitors import MonitorCreate, config_json, monitor_settings
from schemas.subscriptions import SubscriptionCreate, filter_of, target_of
from schemas.windows import WindowIn


class ApplyMonitor(MonitorCreate):
    key: Slug | None = None  # identity in the file, instead of the name (lets a file rename a monitor)


class ApplyDocument(Strict):
    """The file `heartbeat apply` reads (YAML or JSON), as POST /api/v1/apply takes it."""

    version: Literal["1"]
    monitors: Annotated[list[ApplyMonitor], Field(max_length=5000)] = []
    # Absent: the file leaves subscriptions alone. A list (even empty) is all there should be.
    subscriptions: Annotated[list[SubscriptionCreate], Field(max_length=500)] | None = None
    # Absent: the file leaves maintenance windows alone. A list: matched by name, pruned as monitors are.
    maintenance: Annotated[list[WindowIn], Field(max_length=MAX_WINDOWS)] | None = None


# Monitor fields as the API names them, for an apply plan's diffs.
API_NAMES = {s.attr: f"config.{s.api}" for s in SETTINGS} | {"apply_key": "key", "from_file": "managed"}


def declared(doc: ApplyDocument) -> list[DeclaredMonitor]:
    return [
        DeclaredMonitor(
            where=f"monitors[{i}]",
            name=m.name,
            key=m.key,
            slug=m.slug,
            type=m.type,
            settings={**monitor_settings(m.config), "tags": unique(m.tags), "description": m.description},
        )
        for i, m in enumerate(doc.monitors)
    ]


def change_json(c: Change) -> dict[str, Any]:
    return {
        "action": c.action,
        "name": c.name,
        "id": c.monitor_id,
        "diff": {API_NAMES.get(k, k): {"from": old, "to": new} for k, (old, new) in c.diff.items()},
    }


ALWAYS_EXPORTED = ("expectedInterval", "schedule", "gracePeriod")


def export_json(m: Monitor) -> dict[str, Any]:
    """A monitor as an apply file declares it: settings at their defaults are left out."""
    config = {k: v for k, v in config_json(m).items() if k in ALWAYS_EXPORTED or v != BY_API[k].default}
    entry: dict[str, Any] = {"name": m.name}
    if m.description:
        entry["description"] = m.description
    if m.apply_key:
        entry["key"] = m.apply_key
    if m.slug and m.slug != slugify(m.name):
        entry["slug"] = m.slug
    entry.update({"type": m.type, "config": config, "tags": m.tags})
    return entry


def declared_subscriptions(doc: ApplyDocument) -> list[DeclaredSubscription]:
    return [
        DeclaredSubscription(
            where=f"subscriptions[{i}]",
            protocol=spec.protocol,
            endpoint=spec.endpoint,
            filter=filter_of(spec.filter),
            target=target_of(spec),
        )
        for i, spec in enumerate(doc.subscriptions or [])
    ]


def subscription_change_json(c: SubscriptionChange) -> dict[str, Any]:
    diff = {k: {"from": old, "to": new} for k, (old, new) in c.diff.items()}
    return {"action": c.action, "name": c.name, "id": c.id, "diff": diff}


WINDOW_API_NAMES = {"start_ms": "start", "end_ms": "end", "duration_s": "duration"}


def window_change_json(c: WindowChange) -> dict[str, Any]:
    def shown(name: str, value: Any) -> Any:
        return iso(value) if name in ("start_ms", "end_ms") and value is not None else value

    diff = {
        WINDOW_API_NAMES.get(k, k): {"from": shown(k, old), "to": shown(k, new)} for k, (old, new) in c.diff.items()
    }
    return {"action": c.action, "name": c.name, "id": c.window_id, "diff": diff}


class ChangeOut(Out):
    action: Literal["create", "update", "unchanged", "delete"]
    name: str
    id: str | None
    diff: dict[str, dict[str, Any]]


class ApplyOut(Out):
    dryRun: bool
    summary: dict[str, int]
    changes: list[ChangeOut]
    subscriptionSummary: dict[str, int] = Field(description="all 0 where the file has no subscriptions list")
    subscriptionChanges: list[ChangeOut]
    maintenanceSummary: dict[str, int] = Field(description="all 0 where the file has no maintenance list")
    maintenanceChanges: list[ChangeOut] = []


class ExportOut(Out):
    version: Literal["1"]
    monitors: list[dict[str, Any]]
    maintenance: list[dict[str, Any]] = []
