"""Every monitor setting (what goes in a monitor's `config`), each written once: its API name, the
Monitor field and stored attribute that hold it, its default, its bounds, whether null clears it,
its CLI flag and words, and the field a Healthchecks check gives it. The rest is made by going
through SETTINGS: the API's models (schemas/monitors.py) and so the monitors file, the limits every
door applies (limits.py), the codec (store/codec.py), Healthchecks' API and import, and the CLI's
flags and card. A new setting is one entry here, its field on Monitor (model.py), and its rule.

(Not `heartbeat.settings`, which is a function's configuration from its environment.)

Plain data that imports nothing of the layer: the ping path, the CLI and the models all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MIN_SECONDS = 1
MAX_SECONDS = 365 * 24 * 3600
MAX_THRESHOLD = 100
MAX_INSTANCES = 100  # distinct ?instance= names a quorum monitor keeps (each a few bytes of its item)
MAX_DEPENDS = 10  # parents a monitor may depend on (each is read when it goes down)
MIN_REALERT_S = 60  # reminders more often than the sweeper runs (every minute by default) could not be kept
DEFAULT_INTERVAL_S = 86400  # a monitor given neither an interval nor a schedule
DEFAULT_GRACE_S = 3600
EXTENSION = "heartbeat"  # the object a Healthchecks check carries Heartbeat's own settings in


class Kind(StrEnum):
    """What a setting's value is; each kind has one type in the API, one check, one stored form."""

    SECONDS = "seconds"  # a whole number of seconds
    COUNT = "count"  # a whole number of runs
    FLAG = "flag"
    KEYWORDS = "keywords"  # a list of words matched in ping bodies
    CRON = "cron"  # a cron expression
    ZONE = "zone"  # an IANA zone name
    PATTERNS = "patterns"  # EventBridge event patterns
    MONITORS = "monitors"  # a list of monitor ids
    QUORUM = "quorum"  # {"min": k}: instances that must each have pinged within period + grace


@dataclass(frozen=True)
class Words:
    """A line of the CLI's monitor card: `label`, then `shown` with the value in words ({}) and, for a
    count, {s} for its plural, or `off` when the setting is unset (None: no line then, and the line
    goes last). Settings that share a label share a line, their parts in the order of `part`."""

    label: str
    shown: str = "{}"
    off: str | None = "off"
    part: int = 0


@dataclass(frozen=True)
class Setting:
    """One monitor setting, and what each room that knows settings needs of it."""

    api: str  # in the API's `config`, the monitors file and the CLI's JSON
    attr: str  # the Monitor field
    kind: Kind
    default: Any = None  # what a monitor has when the setting is not given; None: unset
    low: int | None = None  # bounds of a number, inclusive
    high: int | None = None
    clears: bool = False  # null in a change (`off` on the command line) unsets it; else null is refused
    of_schedule: bool = False  # an interval, or a cron line and its zone: a monitor shows one or the other
    stored: str = ""  # the item's attribute, if not `attr`; `map.key`: a key of a map attribute
    flag: str = ""  # the CLI's option (`--on/--off` for a flag); "": none
    help: str = ""
    words: Words | None = None  # on the CLI's card (None: not a line of its own: the schedule's)
    hc: str = ""  # the field of a Healthchecks check that carries it; EXTENSION: in `"heartbeat": {...}`
    hc_flag: tuple[Any, Any] = (True, False)  # for a flag, that field's values for on and off
    below: tuple[str, str] | None = None  # (another setting's API name, why): when both are set, this stays under it

    @property
    def attribute(self) -> str:
        return self.stored or self.attr

    @property
    def optional(self) -> bool:
        """May be unset (None)."""
        return self.default is None


KEYWORD_HELP = 'repeatable; checked in the ping body ("" clears)'

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "expectedInterval", "interval_s", Kind.SECONDS, low=MIN_SECONDS, high=MAX_SECONDS, of_schedule=True,
        flag="--expected-interval", help=f"seconds between runs (default {DEFAULT_INTERVAL_S})", hc="timeout",
    ),
    Setting(
        "schedule", "schedule", Kind.CRON, of_schedule=True, hc="schedule",
        flag="--schedule", help='cron expression instead of an interval, e.g. "0 2 * * *" or @daily',
    ),
    Setting(
        "timezone", "timezone", Kind.ZONE, default="UTC", of_schedule=True, hc="tz",
        flag="--timezone", help="IANA timezone the schedule runs in (default UTC)",
    ),
    Setting(
        "gracePeriod", "grace_s", Kind.SECONDS, default=DEFAULT_GRACE_S, low=MIN_SECONDS, high=MAX_SECONDS, hc="grace",
        flag="--grace-period", help=f"seconds of lateness tolerated (default {DEFAULT_GRACE_S})",
    ),
    Setting(
        "maxRuntime", "max_runtime_s", Kind.SECONDS, low=MIN_SECONDS, high=MAX_SECONDS, clears=True, hc=EXTENSION,
        flag="--max-runtime", help="seconds a started run may take (default: grace)",
        words=Words("max runtime", off="off (the grace period)"),
    ),
    Setting(
        "minInterval", "min_interval_s", Kind.SECONDS, low=MIN_SECONDS, high=MAX_SECONDS, clears=True, hc=EXTENSION,
        flag="--min-interval", help="a success sooner than this is early and alerts", words=Words("min interval"),
        below=("expectedInterval", "or every run would be early"),
    ),
    Setting(
        "successKeywords", "success_keywords", Kind.KEYWORDS, default=[], stored="keywords.success", hc="success_kw",
        flag="--success-keyword", help=KEYWORD_HELP,
        words=Words("keywords", "success only if {}", off="none", part=1),
    ),
    Setting(
        "failureKeywords", "failure_keywords", Kind.KEYWORDS, default=[], stored="keywords.failure", hc="failure_kw",
        flag="--failure-keyword", help=KEYWORD_HELP, words=Words("keywords", "fail if {}", off="none"),
    ),
    Setting(
        "failureThreshold", "failure_threshold", Kind.COUNT, default=1, low=1, high=MAX_THRESHOLD, hc=EXTENSION,
        flag="--failure-threshold", help="failed or missed runs in a row before alerting",
        words=Words("alert after", "{} failure{s} in a row"),
    ),
    Setting(
        "recoveryThreshold", "recovery_threshold", Kind.COUNT, default=1, low=1, high=MAX_THRESHOLD, hc=EXTENSION,
        flag="--recovery-threshold", help="good runs in a row before resolving",
        words=Words("resolve after", "{} good run{s} in a row"),
    ),
    Setting(
        "realertInterval", "realert_s", Kind.SECONDS, low=MIN_REALERT_S, high=MAX_SECONDS, clears=True, hc=EXTENSION,
        flag="--realert-interval", help="remind every N seconds while down", words=Words("reminders", "every {}"),
    ),
    Setting(
        "manualResume", "manual_resume", Kind.FLAG, default=False, hc="manual_resume",
        flag="--manual-resume/--no-manual-resume", help="when paused, ignore pings until resumed",
        words=Words("manual resume", "yes", "no"),
    ),
    Setting(
        "events", "events", Kind.PATTERNS, default=[],
        words=Words("events", "{} pattern(s): see --output json", off=None),
    ),
    Setting(
        "postOnly", "post_only", Kind.FLAG, default=False, hc="methods", hc_flag=("POST", ""),
        flag="--post-only/--any-method", help="only POST pings count (GET, HEAD: ignored)",
        words=Words("POST only", "yes", "no"),
    ),
    Setting(
        "dependsOn", "depends_on", Kind.MONITORS, default=[], flag="--depends-on",
        help='repeatable; a monitor id: no alert while one it depends on is down ("" clears)',
        words=Words("depends on", off="nothing"),
    ),
    Setting(
        "quorum", "quorum", Kind.QUORUM, clears=True, stored="quorum_min", flag="--quorum",
        help="up while at least N distinct ?instance= names pinged within period + grace",
        words=Words("quorum", "at least {} instances"),
    ),
)  # fmt: skip

BY_API = {s.api: s for s in SETTINGS}
BY_ATTR = {s.attr: s for s in SETTINGS}


def monitor_default(attr: str) -> Any:
    """A Monitor field's default, as its setting gives it (a list: a new one for each monitor)."""
    value = BY_ATTR[attr].default
    return field(default_factory=lambda: list(value)) if isinstance(value, list) else value


def initial(setting: Setting) -> Any:
    """The setting's default as a value of its own (a list is never shared between monitors)."""
    return list(setting.default) if isinstance(setting.default, list) else setting.default
