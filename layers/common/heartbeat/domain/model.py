"""Domain objects. Plain dataclasses: the ping path must not pay for pydantic at cold start.

All times are epoch milliseconds (int): deadlines keep sub-second precision without floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heartbeat.domain.alertwords import AlertFacts

from heartbeat.domain.settings import MAX_SECONDS as MAX_SECONDS  # where the rest of the code looks for it
from heartbeat.domain.settings import MIN_SECONDS as MIN_SECONDS
from heartbeat.domain.settings import monitor_default

LINK_METHODS = ("GET", "HEAD")  # what a link preview sends: a POST-only monitor ignores them (events count)


class Status(StrEnum):
    NEW = "new"  # never pinged: no deadline, never alerts
    UP = "up"
    GRACE = "grace"  # derived on read: the period has passed, the grace has not
    DOWN = "down"
    PAUSED = "paused"
    STARTED = "started"


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
    LOG = "log"


class Cause(StrEnum):
    MISSED = "missed"  # the sweeper found the deadline passed
    TIMEOUT = "timeout"  # a run started and did not finish within the grace period
    FAILED = "failed"  # a /fail ping
    EXIT_STATUS = "exit_status"  # a non-zero exit status ping
    EARLY = "early"  # a success sooner than the monitor's minimum interval after the previous one
    KEYWORD = "keyword"  # a success whose body matched a failure keyword, or none of the success keywords
    QUORUM = "quorum"  # fewer than the quorum's minimum of instances pinged within period + grace


AUDIENCE = "alerts"  # the SNS `audience` attribute of every real alert; a test alert names its one subscription


class AlertEvent(StrEnum):
    DOWN = "monitor.down"
    UP = "monitor.up"
    REMINDER = "monitor.reminder"


@dataclass(frozen=True)
class Acknowledgement:
    """Someone saw an incident and is on it: its reminders stop until it resolves (usecases/silence.py)."""

    incident_ms: int
    by: str  # the API key's name, or `alert link`
    at_ms: int
    note: str = ""


@dataclass(frozen=True)
class Monitor:
    id: str
    token: str
    name: str
    type: str
    interval_s: int | None  # an interval schedule, or None for a cron one
    grace_s: int
    tags: list[str]
    status: Status
    created_ms: int
    updated_ms: int
    slug: str | None = None  # addresses the monitor under the deployment's ping key; set once, kept on rename
    # The settings (domain/settings.py has each one's API name, default and limits).
    schedule: str | None = monitor_default("schedule")  # cron expression, evaluated in `timezone`
    timezone: str = monitor_default("timezone")
    rev: int = 0  # bumped by every settings change; guards what the ping path caches of them
    max_runtime_s: int | None = monitor_default("max_runtime_s")  # a started run times out after this (or grace)
    min_interval_s: int | None = monitor_default("min_interval_s")  # a success sooner after the last is `early`
    success_keywords: list[str] = monitor_default("success_keywords")
    failure_keywords: list[str] = monitor_default("failure_keywords")
    failure_threshold: int = monitor_default("failure_threshold")  # failed or missed runs in a row to open one
    recovery_threshold: int = monitor_default("recovery_threshold")  # good runs in a row to resolve it
    realert_s: int | None = monitor_default("realert_s")  # while down, a reminder this often
    manual_resume: bool = monitor_default("manual_resume")  # when paused, ignore pings until resumed (API)
    post_only: bool = monitor_default("post_only")  # only POST pings count: GET and HEAD are ignored (previews)
    # Monitors this one depends on: while one of them is down, its going down alerts no one (domain/dependencies.py).
    depends_on: list[str] = monitor_default("depends_on")
    quorum: dict[str, int] | None = monitor_default("quorum")  # {"min": k} (domain/quorum.py)
    description: str = ""  # free text for the people who read alerts and listings
    # The `channels` a Healthchecks client last set ("", "*" or channel ids), shown back as set so that
    # its Terraform plan settles; who gets alerts is still the subscriptions' filters. None: never set.
    hc_channels: str | None = None
    from_file: bool = False  # created by `heartbeat apply` from a file (what --prune may delete)
    apply_key: str | None = None  # the file's explicit identity for it, instead of its name
    # EventBridge patterns: AWS runs that match them ping this monitor (domain/eventpatterns.py).
    events: list[dict[str, Any]] = monitor_default("events")
    # Runs reported by events: a short key of the run id -> +start or -end time in seconds, so a
    # duplicate or late event for a stage already recorded is ignored (domain/awsruns.py).
    event_runs: dict[str, int] = field(default_factory=dict)
    n_pings: int = 0
    last_ping_ms: int | None = None
    last_ping_kind: str | None = None
    last_result_ms: int | None = None  # the last success or failure: Healthchecks' last_ping, which /start keeps
    last_success_ms: int | None = None
    last_start_ms: int | None = None
    last_run_start_ms: int | None = None  # the start of the run the last success finished; 0: none
    # When the monitor is next due in the sweeper's index (stored as `deadline`): read it by what it
    # means, next_deadline_ms or next_reminder_ms.
    deadline_ms: int | None = None
    open_incident_ms: int | None = None
    down_since_ms: int | None = None
    last_incident_ms: int | None = None  # when the latest incident opened (incidents are keyed by it)
    fail_streak: int = 0  # failed or missed runs in a row, below the failure threshold
    good_streak: int = 0  # good runs in a row while down, below the recovery threshold
    reminders: int = 0  # reminders sent for the open incident
    early_until_ms: int | None = None  # a success before this is early
    # Run id -> start, for runs started with ?rid=. None: an item stored without the map.
    runs: dict[str, int] | None = field(default_factory=dict)
    acknowledged: Acknowledgement | None = None  # the latest; it stands while its incident is the open one
    snoozed_until_ms: int | None = None  # no alerts before this (usecases/silence.py)
    held_by: str | None = None  # the parent whose outage holds this one's down alert (domain/dependencies.py)
    holding: frozenset[str] = frozenset()  # the children whose down alerts this one's outage holds
    instances: dict[str, int] | None = None  # a quorum monitor's ?instance= names -> their last success

    @property
    def open_acknowledgement(self) -> Acknowledgement | None:
        """The acknowledgement of the open incident, if it has one."""
        ack = self.acknowledged
        return ack if ack is not None and ack.incident_ms == self.open_incident_ms else None

    @property
    def needs_rules(self) -> bool:
        """Whether a success ping needs this monitor's settings: a cron deadline, keywords, a quorum."""
        return self.schedule is not None or bool(self.success_keywords or self.failure_keywords) or bool(self.quorum)

    @property
    def held(self) -> bool:
        """Paused with manual resume: pings are logged as ignored and change nothing."""
        return self.status is Status.PAUSED and self.manual_resume

    def ignores(self, ping: Ping) -> bool:
        """A ping logged as ignored, changing nothing: held by manual resume, or a GET or HEAD to a
        POST-only monitor (a chat's link preview "pinging" a URL pasted in a channel)."""
        return self.ignores_method(ping.method)

    def ignores_method(self, method: str) -> bool:
        return self.held or (self.post_only and method in LINK_METHODS)

    @property
    def next_deadline_ms(self) -> int | None:
        """When it goes down if no ping comes: armed while it is up or started (no other state but
        down carries a due time)."""
        return None if self.status is Status.DOWN else self.deadline_ms

    @property
    def next_reminder_ms(self) -> int | None:
        """When the next reminder of its open outage is due, while it is down (with realertInterval)."""
        return self.deadline_ms if self.status is Status.DOWN else None

    @property
    def window_ms(self) -> int | None:
        """Period plus grace, for interval monitors: a success ping's deadline is now + this."""
        return None if self.interval_s is None else (self.interval_s + self.grace_s) * 1000

    @property
    def min_gap_ms(self) -> int:
        """How soon after a success another one is early: 0, never."""
        return (self.min_interval_s or 0) * 1000

    @property
    def start_window_ms(self) -> int:
        """How long a started run may take: /start's deadline is now + this."""
        return (self.max_runtime_s or self.grace_s) * 1000

    @property
    def last_duration_ms(self) -> int | None:
        """How long the last successful run took, when a /start announced it."""
        if self.last_run_start_ms and self.last_success_ms and self.last_run_start_ms <= self.last_success_ms:
            return self.last_success_ms - self.last_run_start_ms
        return None

    def status_at(self, now_ms: int) -> Status:
        """The stored status, with `grace` derived: the expected time has passed, the deadline has not."""
        if (
            self.status is Status.UP
            and self.next_deadline_ms is not None
            and now_ms >= self.next_deadline_ms - self.grace_s * 1000
        ):
            return Status.GRACE
        return self.status


@dataclass(frozen=True)
class Incident:
    monitor_id: str
    opened_ms: int
    cause: Cause
    resolved_ms: int | None = None
    acknowledged: Acknowledgement | None = None
    caused_by: str | None = None  # the parent that was down when it opened: its alert was held

    @property
    def id(self) -> str:
        return str(self.opened_ms)

    def duration_ms(self, now_ms: int) -> int:
        # Never negative: a ping received a moment before the incident opened may be written after it.
        return max(0, (self.resolved_ms or now_ms) - self.opened_ms)


@dataclass(frozen=True)
class Ping:
    """What arrived at the ping URL, before it is stored."""

    kind: PingKind
    method: str
    source_ip: str
    user_agent: str
    body: bytes = b""
    body_truncated: bool = False
    body_size: int = 0
    exit_status: int | None = None
    rid: str | None = None  # pairs a run's start and finish when runs overlap
    run_stage: int = 0  # from an AWS event: 1 its run's start, 2 its end (each recorded once); 0 an HTTP ping
    instance: str | None = None  # ?instance= or Heartbeat-Instance: which of a quorum's hosts sent it


@dataclass(frozen=True)
class PingEvent:
    """A stored ping: `n` numbers the monitor's pings from 1."""

    monitor_id: str
    n: int
    at_ms: int
    ping: Ping
    duration_ms: int | None = None  # for a success that finished a run announced by /start
    cause: Cause | None = None  # for a ping that counted as a failure
    ignored: bool = False  # arrived while the monitor was paused with manual resume


@dataclass(frozen=True)
class Alert:
    """An outbox entry: written with the state change, published after, marked sent last."""

    monitor_id: str
    incident_ms: int
    event: AlertEvent
    subject: str
    message: str  # the JSON document subscribers receive
    tags: list[str] = field(default_factory=list)
    reminder: int = 0  # for monitor.reminder: which one, from 1
    state: str = "pending"
    attempts: int = 0
    lease_until_ms: int | None = None
    facts: AlertFacts | None = None  # what its email and SMS say (domain/alertwords.py); None: written before them

    @property
    def id(self) -> str:
        """Stable across retries, so a subscriber can drop a duplicate."""
        base = f"{self.monitor_id}:{self.incident_ms}:{self.event.value}"
        return f"{base}:{self.reminder}" if self.reminder else base


@dataclass(frozen=True)
class ApiKey:
    """What is stored of an API key: never the key itself."""

    key_hash: str
    name: str
    role: str  # admin or read
    prefix: str  # the key's first characters, to recognise it by
    created_ms: int

    @property
    def id(self) -> str:
        """Names the key in listings and revocation; a part of the keyed hash gives nothing away."""
        return self.key_hash[:16]
