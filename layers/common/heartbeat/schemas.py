"""The management API's JSON: request models (validated by pydantic) and response shapes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    create_model,
    model_validator,
)

from heartbeat import subscriptions, targets
from heartbeat.delivery import DeadLetter, RetryReport
from heartbeat.domain import schedules
from heartbeat.domain.alerts import iso
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import (
    DEFAULT_GRACE_S,
    DEFAULT_INTERVAL_S,
    MAX_SECONDS,
    MIN_SECONDS,
    ApiKey,
    Incident,
    Monitor,
    PingEvent,
    Status,
)
from heartbeat.domain.monitors import Uptime
from heartbeat.domain.slugs import SLUG_RE, slugify
from heartbeat.subscriptions import ENDPOINTS, SNS_PROTOCOLS, Subscription, masked
from heartbeat.targets import Filter, Target
from heartbeat.usecases.apply import Change, DeclaredMonitor

Seconds = Annotated[int, Field(ge=MIN_SECONDS, le=MAX_SECONDS, strict=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s,]+$")]
Tags = Annotated[list[Tag], Field(max_length=20)]


def _cron(value: str) -> str:
    try:
        return schedules.check_cron(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None


def _timezone(value: str) -> str:
    try:
        schedules.zone(value)
    except InvalidInput as e:
        raise ValueError(e.message) from None
    return value


Slug = Annotated[str, StringConstraints(max_length=100, pattern=SLUG_RE.pattern)]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Keywords = Annotated[list[Keyword], Field(max_length=10)]
Threshold = Annotated[int, Field(ge=1, le=100, strict=True)]
# Reminders more often than the sweeper runs (every minute by default) could not be kept.
RealertSeconds = Annotated[int, Field(ge=60, le=MAX_SECONDS, strict=True)]
CronExpression = Annotated[str, StringConstraints(max_length=200), AfterValidator(_cron)]
TimezoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone)]

BODY_PREVIEW_CHARS = 200

# The API's config fields and the Monitor fields they set.
SETTINGS = {
    "expectedInterval": "interval_s",
    "schedule": "schedule",
    "timezone": "timezone",
    "gracePeriod": "grace_s",
    "maxRuntime": "max_runtime_s",
    "minInterval": "min_interval_s",
    "successKeywords": "success_keywords",
    "failureKeywords": "failure_keywords",
    "failureThreshold": "failure_threshold",
    "recoveryThreshold": "recovery_threshold",
    "realertInterval": "realert_s",
    "manualResume": "manual_resume",
}
CLEARABLE = {"maxRuntime", "minInterval", "realertInterval"}
# Monitor fields at their defaults (what an export leaves out).
DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "max_runtime_s": None,
    "min_interval_s": None,
    "success_keywords": [],
    "failure_keywords": [],
    "failure_threshold": 1,
    "recovery_threshold": 1,
    "realert_s": None,
    "manual_resume": False,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorConfig(_Strict):
    """Either `expectedInterval` (seconds) or `schedule` (cron, in `timezone`), plus `gracePeriod`,
    and the optional run and alert policy (README: "Monitor settings")."""

    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName = "UTC"
    gracePeriod: Seconds = DEFAULT_GRACE_S
    maxRuntime: Seconds | None = None
    minInterval: Seconds | None = None
    successKeywords: Keywords = []
    failureKeywords: Keywords = []
    failureThreshold: Threshold = 1
    recoveryThreshold: Threshold = 1
    realertInterval: RealertSeconds | None = None
    manualResume: StrictBool = False

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfig:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        if self.schedule is None and self.expectedInterval is None:
            self.expectedInterval = DEFAULT_INTERVAL_S
        return self


class MonitorCreate(_Strict):
    name: Name
    slug: Slug | None = None  # default: derived from the name
    type: Literal["HEARTBEAT"] = "HEARTBEAT"
    config: MonitorConfig = MonitorConfig()
    tags: Tags = []


class MonitorConfigPatch(_Strict):
    """Only the settings given change. `null` clears maxRuntime, minInterval and realertInterval."""

    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName | None = None
    gracePeriod: Seconds | None = None
    maxRuntime: Seconds | None = None
    minInterval: Seconds | None = None
    successKeywords: Keywords | None = None
    failureKeywords: Keywords | None = None
    failureThreshold: Threshold | None = None
    recoveryThreshold: Threshold | None = None
    realertInterval: RealertSeconds | None = None
    manualResume: StrictBool | None = None

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfigPatch:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        nulls = sorted(f for f in self.model_fields_set - CLEARABLE if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class MonitorPatch(_Strict):
    name: Name | None = None
    slug: Slug | None = None  # a rename keeps the slug; only this changes it
    config: MonitorConfigPatch | None = None
    tags: Tags | None = None


class ApplyMonitor(MonitorCreate):
    key: Slug | None = None  # identity in the file, instead of the name (lets a file rename a monitor)


# Monitor fields as the API names them, for an apply plan's diffs.
API_NAMES = {v: f"config.{k}" for k, v in SETTINGS.items()} | {"apply_key": "key", "from_file": "managed"}


def declared(doc: ApplyDocument) -> list[DeclaredMonitor]:
    return [
        DeclaredMonitor(
            where=f"monitors[{i}]",
            name=m.name,
            key=m.key,
            slug=m.slug,
            type=m.type,
            settings={**monitor_settings(m.config), "tags": unique(m.tags)},
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
    defaults = config_json(dataclasses.replace(m, **DEFAULTS))
    config = {k: v for k, v in config_json(m).items() if k in ALWAYS_EXPORTED or defaults.get(k) != v}
    entry: dict[str, Any] = {"name": m.name}
    if m.apply_key:
        entry["key"] = m.apply_key
    if m.slug and m.slug != slugify(m.name):
        entry["slug"] = m.slug
    entry.update({"type": m.type, "config": config, "tags": m.tags})
    return entry


MonitorId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class FilterSpec(_Strict):
    """Every part given must match; within a part, any value. Nothing given: every alert."""

    monitors: Annotated[list[MonitorId], Field(max_length=100)] = []
    tags: Tags = []
    events: list[Literal["monitor.down", "monitor.up", "monitor.reminder"]] = []


class _SubscriptionCreate(_Strict):
    filter: FilterSpec = FilterSpec()


def _subscription_model(protocol: str) -> type[BaseModel]:
    endpoint = Annotated[str, StringConstraints(max_length=2048, pattern=ENDPOINTS[protocol][0].pattern)]
    name = f"{protocol.capitalize()}Subscription"
    literal: Any = Literal[protocol]
    return create_model(name, __base__=_SubscriptionCreate, protocol=(literal, ...), endpoint=(endpoint, ...))


Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[!-~]+$")]
ContentType = Annotated[
    str, StringConstraints(max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+(; *charset=[A-Za-z0-9-]+)?$")
]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[!-~]+$")]
_TARGET_FIELDS: dict[str, dict[str, Any]] = {
    "slack": {"endpoint": (Url, Field(description="the incoming webhook's URL"))},
    "discord": {"endpoint": (Url, Field(description="the channel webhook's URL"))},
    "teams": {"endpoint": (Url, Field(description="the Workflows webhook's URL"))},
    "telegram": {
        "endpoint": (Secret, Field(description="the bot's token")),
        "chatId": (Annotated[str, StringConstraints(max_length=40)], ...),
        "url": (Url | None, Field(None, description="a Bot API server other than api.telegram.org")),
    },
    "pagerduty": {
        "endpoint": (Secret, Field(description="the Events API v2 integration (routing) key")),
        "url": (Url | None, Field(None, description="default https://events.pagerduty.com/v2/enqueue")),
    },
    "opsgenie": {
        "endpoint": (Secret, Field(description="the API integration's key")),
        "url": (
            Url | None,
            Field(None, description="default https://api.opsgenie.com; EU: https://api.eu.opsgenie.com"),
        ),
    },
    "webhook": {
        "endpoint": (Url, Field(description="the URL the alert is POSTed to")),
        "template": (
            Annotated[str, StringConstraints(max_length=10_000)] | None,
            Field(None, description=f"the body, with ${', $'.join(targets.VARIABLES)}; default the alert's JSON"),
        ),
        "contentType": (
            Annotated[
                str, StringConstraints(max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+(; *charset=[A-Za-z0-9-]+)?$")
            ],
            "application/json",
        ),
    },
}


def _target_model(kind: str) -> type[BaseModel]:
    literal: Any = Literal[kind]
    fields = _TARGET_FIELDS[kind]
    return create_model(
        f"{kind.capitalize()}Subscription", __base__=_SubscriptionCreate, protocol=(literal, ...), **fields
    )


def target_of(spec: Any) -> Target | None:
    """The delivery details of a chat or incident target; None for SNS's own protocols."""
    if spec.protocol not in targets.KINDS:
        return None
    return Target(
        id="",
        kind=spec.protocol,
        endpoint=spec.endpoint,
        chat_id=getattr(spec, "chatId", "") or "",
        url=getattr(spec, "url", "") or "",
        template=getattr(spec, "template", "") or "",
        content_type=getattr(spec, "contentType", "application/json"),
    )


# One model per protocol, so the OpenAPI document says what each endpoint must look like.
SubscriptionCreate: Any = Annotated[
    Union[  # noqa: UP007 (a Union of a computed tuple)
        tuple(_subscription_model(p) for p in SNS_PROTOCOLS) + tuple(_target_model(k) for k in targets.KINDS)
    ],
    Field(discriminator="protocol"),
]


def subscription_json(sub: Subscription) -> dict[str, Any]:
    f = sub.filter
    return {
        "id": sub.id or None,
        "protocol": sub.protocol,
        "endpoint": masked(sub.protocol, sub.endpoint),
        "filter": {"monitors": f.monitors, "tags": f.tags, "events": f.events},
        "status": "pending confirmation" if sub.pending else "confirmed",
    }


class ApplyDocument(_Strict):
    """The file `heartbeat apply` reads (YAML or JSON), as POST /api/v1/apply takes it."""

    version: Literal["1"]
    monitors: Annotated[list[ApplyMonitor], Field(max_length=5000)] = []
    # Absent: the file leaves subscriptions alone. A list (even empty) is all there should be.
    subscriptions: Annotated[list[SubscriptionCreate], Field(max_length=500)] | None = None


def declared_subscriptions(doc: ApplyDocument) -> list[subscriptions.Declared]:
    return [
        subscriptions.Declared(
            where=f"subscriptions[{i}]",
            protocol=spec.protocol,
            endpoint=spec.endpoint,
            filter=filter_of(spec.filter),
            target=target_of(spec),
        )
        for i, spec in enumerate(doc.subscriptions or [])
    ]


def filter_of(spec: FilterSpec) -> Filter:
    return Filter(spec.monitors, unique(spec.tags), list(dict.fromkeys(spec.events)))


def subscription_change_json(c: subscriptions.SubscriptionChange) -> dict[str, Any]:
    diff = {k: {"from": old, "to": new} for k, (old, new) in c.diff.items()}
    return {"action": c.action, "name": c.name, "id": c.id, "diff": diff}


def dead_letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "messageId": letter.message_id,
        "alertId": letter.alert_id,
        "source": letter.source,
        "subscriptionId": letter.target_id,
        "subject": letter.subject,
        "error": letter.error,
        "failedAt": iso(letter.failed_at_ms),
    }


def retry_json(report: RetryReport) -> dict[str, int]:
    return dataclasses.asdict(report)


class KeyCreate(_Strict):
    name: Name
    role: Literal["admin", "read"] = "read"


def key_json(k: ApiKey) -> dict[str, Any]:
    return {"id": k.id, "name": k.name, "role": k.role, "prefix": k.prefix, "createdAt": iso(k.created_ms)}


def unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def monitor_settings(config: MonitorConfig | MonitorConfigPatch) -> dict[str, Any]:
    """The domain's settings (Monitor field names) for the config fields that were given."""
    given = config.model_fields_set if isinstance(config, MonitorConfigPatch) else type(config).model_fields
    values = {SETTINGS[f]: getattr(config, f) for f in given}
    for name in ("success_keywords", "failure_keywords"):
        if values.get(name) is not None:
            values[name] = unique(values[name])
    return values


def config_json(m: Monitor) -> dict[str, Any]:
    schedule: dict[str, Any] = {"expectedInterval": m.interval_s}
    if m.schedule is not None:
        schedule = {"schedule": m.schedule, "timezone": m.timezone}
    return {
        **schedule,
        "gracePeriod": m.grace_s,
        "maxRuntime": m.max_runtime_s,
        "minInterval": m.min_interval_s,
        "successKeywords": m.success_keywords,
        "failureKeywords": m.failure_keywords,
        "failureThreshold": m.failure_threshold,
        "recoveryThreshold": m.recovery_threshold,
        "realertInterval": m.realert_s,
        "manualResume": m.manual_resume,
    }


def next_expected(m: Monitor, now_ms: int) -> list[str]:
    """For a cron monitor, its next three expected times in its own timezone: the check against a
    mistyped schedule or the wrong zone, the commonest cause of false alerts."""
    return schedules.upcoming(m.schedule, m.timezone, now_ms) if m.schedule else []


def monitor_json(m: Monitor, now_ms: int, ping_base: str | None) -> dict[str, Any]:
    """The API's view of a monitor; `ping_base` None hides the ping URL (read-only callers)."""
    return {
        "id": m.id,
        "name": m.name,
        "slug": m.slug,
        "type": m.type,
        "config": config_json(m),
        "nextExpected": next_expected(m, now_ms),
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}" if ping_base else None,
        "lastPingAt": iso(m.last_ping_ms),
        "lastPingKind": m.last_ping_kind,
        "pingCount": m.n_pings,
        "lastStartAt": iso(m.last_start_ms),
        "lastDurationSeconds": None if m.last_duration_ms is None else m.last_duration_ms / 1000,
        # While down, the deadline attribute holds the next reminder instead.
        "nextDeadline": iso(m.deadline_ms) if m.status is not Status.DOWN else None,
        "nextReminderAt": iso(m.deadline_ms) if m.status is Status.DOWN else None,
        "openIncident": str(m.open_incident_ms) if m.open_incident_ms else None,
        "downSince": iso(m.down_since_ms),
        "failStreak": m.fail_streak,
        "remindersSent": m.reminders,
        "createdAt": iso(m.created_ms),
        "updatedAt": iso(m.updated_ms),
    }


def ping_json(e: PingEvent) -> dict[str, Any]:
    p = e.ping
    return {
        "n": e.n,
        "at": iso(e.at_ms),
        "kind": p.kind.value,
        "exitStatus": p.exit_status,
        "cause": e.cause.value if e.cause else None,
        "ignored": e.ignored,
        "rid": p.rid,
        "durationSeconds": None if e.duration_ms is None else e.duration_ms / 1000,
        "method": p.method,
        "sourceIp": p.source_ip,
        "userAgent": p.user_agent,
        "bodySize": p.body_size,
        "bodyTruncated": p.body_truncated,
        # Bytes that are not UTF-8, or a character cut at the size limit, show as U+FFFD.
        "bodyPreview": p.body.decode("utf-8", errors="replace")[:BODY_PREVIEW_CHARS],
    }


def parse_since(text: str | None) -> int:
    """`since=` as epoch ms: an ISO 8601 date or time, UTC unless it says otherwise."""
    if not text:
        return 0
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        example = "2026-11-01 or 2026-11-01T06:00:00Z"
        raise InvalidInput("since", f"must be an ISO 8601 date or time, such as {example}") from None
    return max(0, int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000))


def uptime_json(u: Uptime, days: int) -> dict[str, Any]:
    flips: list[dict[str, Any]] = []
    for i in u.incidents:
        flips.append({"at": iso(i.opened_ms), "status": "down", "cause": i.cause.value})
        if i.resolved_ms:
            flips.append({"at": iso(i.resolved_ms), "status": "up", "cause": None})
    return {
        "days": days,
        "since": iso(u.since_ms),
        "uptimePercent": u.percent,
        "downtimeSeconds": round(u.down_ms / 1000, 3),
        "incidents": len(u.incidents),
        "flips": flips,
    }


def incident_json(i: Incident, now_ms: int) -> dict[str, Any]:
    return {
        "id": i.id,
        "monitorId": i.monitor_id,
        "status": "resolved" if i.resolved_ms else "open",
        "cause": i.cause.value,
        "openedAt": iso(i.opened_ms),
        "resolvedAt": iso(i.resolved_ms),
        "durationSeconds": round(i.duration_ms(now_ms) / 1000, 3),
    }


# ---- responses, as the OpenAPI document describes them (the fuzz test holds the handlers to it) ----


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfigOut(_Out):
    expectedInterval: int | None = None  # interval monitors
    schedule: str | None = None  # cron monitors, with timezone
    timezone: str | None = None
    gracePeriod: int
    maxRuntime: int | None
    minInterval: int | None
    successKeywords: list[str]
    failureKeywords: list[str]
    failureThreshold: int
    recoveryThreshold: int
    realertInterval: int | None
    manualResume: bool


class MonitorOut(_Out):
    id: str
    name: str
    slug: str | None
    type: str
    config: ConfigOut
    nextExpected: list[str]
    tags: list[str]
    status: Literal["new", "up", "grace", "down", "paused", "started"]
    pingUrl: str | None = Field(description="null for a read-only API key")
    lastPingAt: str | None
    lastPingKind: str | None
    pingCount: int = Field(description="pings recorded, of every kind")
    lastStartAt: str | None
    lastDurationSeconds: float | None
    nextDeadline: str | None
    nextReminderAt: str | None
    openIncident: str | None
    downSince: str | None
    failStreak: int
    remindersSent: int
    createdAt: str
    updatedAt: str


class MonitorPage(_Out):
    items: list[MonitorOut]
    nextCursor: str | None


class PingOut(_Out):
    n: int
    at: str
    kind: Literal["success", "start", "fail", "log"]
    exitStatus: int | None
    cause: str | None
    ignored: bool
    rid: str | None
    durationSeconds: float | None
    method: str
    sourceIp: str
    userAgent: str
    bodySize: int
    bodyTruncated: bool
    bodyPreview: str


class PingPage(_Out):
    items: list[PingOut]
    nextCursor: str | None


class IncidentOut(_Out):
    id: str
    monitorId: str
    status: Literal["open", "resolved"]
    cause: str
    openedAt: str
    resolvedAt: str | None
    durationSeconds: float


class IncidentPage(_Out):
    items: list[IncidentOut]
    nextCursor: str | None


class FlipOut(_Out):
    at: str
    status: Literal["down", "up"]
    cause: str | None


class UptimeOut(_Out):
    days: int
    since: str
    uptimePercent: float
    downtimeSeconds: float
    incidents: int
    flips: list[FlipOut]


class ChangeOut(_Out):
    action: Literal["create", "update", "unchanged", "delete"]
    name: str
    id: str | None
    diff: dict[str, dict[str, Any]]


class ApplyOut(_Out):
    dryRun: bool
    summary: dict[str, int]
    changes: list[ChangeOut]
    subscriptionSummary: dict[str, int] = Field(description="all 0 where the file has no subscriptions list")
    subscriptionChanges: list[ChangeOut]


class ExportOut(_Out):
    version: Literal["1"]
    monitors: list[dict[str, Any]]


class FilterOut(_Out):
    monitors: list[str]
    tags: list[str]
    events: list[str]


class SubscriptionOut(_Out):
    id: str | None = Field(description="null where SNS hides it: a listed subscription still pending confirmation")
    protocol: str
    endpoint: str = Field(description="an https URL's path and query are hidden: they may hold a secret")
    filter: FilterOut
    status: Literal["confirmed", "pending confirmation"]


class SubscriptionPage(_Out):
    items: list[SubscriptionOut]
    nextCursor: str | None


class BadgeKeyOut(_Out):
    badgeKey: str
    badgeUrlPrefix: str = Field(description="add <tag>.svg, or <tag>.json for shields.io")


class ShieldsOut(_Out):
    schemaVersion: Literal[1]
    label: str
    message: Literal["up", "late", "down", "unknown"]
    color: str


class TestAlertOut(_Out):
    messageId: str = Field(description="SNS's id of the test alert, sent to this subscription alone")


class FailedAlertOut(_Out):
    messageId: str
    alertId: str | None
    source: Literal["notifier", "lambda", "sns"] = Field(
        description="notifier: one target failed; lambda: the notifier failed for a whole alert; sns: SNS's redrive"
    )
    subscriptionId: str | None = Field(description="the target that failed, where one did")
    subject: str | None
    error: str
    failedAt: str | None


class FailedAlertPage(_Out):
    items: list[FailedAlertOut]


class RetryOut(_Out):
    delivered: int
    failed: int = Field(description="tried again and failed again: still in the queue")
    kept: int = Field(description="SNS's own redrive names no subscription to send to again: still in the queue")
    dropped: int = Field(description="no target wants it any more (removed): taken out of the queue")


class KeyOut(_Out):
    id: str
    name: str
    role: Literal["admin", "read"]
    prefix: str = Field(description="the key's first characters, to recognise it by")
    createdAt: str


class KeyCreatedOut(KeyOut):
    key: str = Field(description="the key itself: shown in this answer only")


class KeyPage(_Out):
    items: list[KeyOut]
    nextCursor: str | None


class PingKeyOut(_Out):
    pingKey: str
    pingUrlPrefix: str


class ErrorDetail(_Out):
    field: str
    message: str


class ErrorBody(_Out):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(_Out):
    error: ErrorBody
