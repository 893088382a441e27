"""Healthchecks' shapes: the check a client sends (validated as Healthchecks validates it, with its
error messages), and the check, ping and flip it reads back (`Check.to_dict` and friends in
healthchecks/healthchecks' hc/api/models.py). Translation only: no AWS, no store.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError, create_model

from heartbeat.domain import badges, limits, schedules
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Incident, Monitor, PingEvent, PingKind, Status
from heartbeat.domain.settings import EXTENSION, SETTINGS, Kind, Setting
from heartbeat.domain.slugs import SLUG_RE

# Healthchecks' limits: a timeout or grace from a minute to a year.
HcSeconds = Annotated[StrictInt, Field(ge=60, le=31_536_000)]
Short = Annotated[StrictStr, Field(max_length=200)]

# Heartbeat's own settings, which Healthchecks has no field for, in the check's `"heartbeat": {...}`;
# and the flags Healthchecks has a field for (`manual_resume`; `methods`, "POST" or "").
EXTENDED = [s for s in SETTINGS if s.hc == EXTENSION]
FLAGS = [s for s in SETTINGS if s.kind is Kind.FLAG and s.hc]


def _extension_type(s: Setting) -> Any:
    """The setting's type in the extension: its `config` limits, in Healthchecks' strict JSON types."""
    if s.kind is Kind.FLAG:
        return StrictBool
    return Annotated[StrictInt, Field(ge=s.low, le=s.high)]


def _extension_fields() -> dict[str, Any]:
    return {s.api: (_extension_type(s) | None, None) for s in EXTENDED}


HeartbeatExtension: Any = create_model(
    "HeartbeatExtension",
    __config__=ConfigDict(extra="forbid"),
    __doc__="""`"heartbeat": {...}` in a check: settings only Heartbeat has. Fields left out stay as they are;
null clears the optional ones.""",
    **_extension_fields(),
)


class CheckSpec(BaseModel):
    """A create or update body. Every field Healthchecks' API takes is taken; a field it does not know
    is refused (Healthchecks itself ignores one: here a misspelt or Heartbeat-only setting would
    otherwise vanish without a word). Absent fields leave the check as it is; null is refused."""

    model_config = ConfigDict(extra="forbid")

    api_key: StrictStr | None = None
    channels: StrictStr | None = None
    desc: StrictStr | None = None
    failure_kw: Short | None = None
    filter_body: StrictBool | None = None
    filter_default_fail: StrictBool | None = None
    filter_http_body: StrictBool | None = None
    filter_subject: StrictBool | None = None
    grace: HcSeconds | None = None
    heartbeat: HeartbeatExtension | None = None
    manual_resume: StrictBool | None = None
    methods: Literal["", "POST"] | None = None
    name: Annotated[StrictStr, Field(max_length=100)] | None = None
    schedule: Annotated[StrictStr, Field(max_length=100)] | None = None
    slug: Annotated[StrictStr, Field(max_length=100, pattern=r"^[a-z0-9-_]*$")] | None = None
    start_kw: Short | None = None
    subject: Short | None = None
    subject_fail: Short | None = None
    success_kw: Short | None = None
    tags: Annotated[StrictStr, Field(max_length=500)] | None = None
    timeout: HcSeconds | None = None
    tz: Annotated[StrictStr, Field(max_length=36)] | None = None
    unique: list[Literal["name", "slug", "tags", "timeout", "grace"]] | None = None


# pydantic's error types -> Healthchecks' wording ("json validation error: timeout is too small").
MESSAGES = {
    "string_too_long": "%s is too long",
    "too_long": "%s is too long",
    "string_type": "%s is not a string",
    "string_pattern_mismatch": "%s does not match pattern",
    "less_than_equal": "%s is too large",
    "greater_than_equal": "%s is too small",
    "int_type": "%s is not a number",
    "bool_type": "%s is not a boolean",
    "literal_error": "%s has unexpected value",
    "list_type": "%s is not an array",
    "model_type": "%s is not an object",
    "dict_type": "%s is not an object",
    "extra_forbidden": "%s is not a known field",
}


def parse_spec(body: dict[str, Any]) -> CheckSpec:
    """The body as a CheckSpec, or InvalidInput carrying Healthchecks' message for the first error."""
    for name, value in body.items():
        if value is None:  # as Healthchecks: null is never "leave it", and never a value
            raise InvalidInput(name, f"json validation error: {name} is not a {_kind(name)}")
    try:
        spec = CheckSpec.model_validate(body)
    except ValidationError as e:
        error = e.errors()[0]
        loc = [str(part) for part in error["loc"]]
        subject = f"an item in '{loc[0]}'" if len(loc) > 1 and loc[1].isdigit() else ".".join(loc)
        template = MESSAGES.get(error["type"], "%s is not valid")
        if error["type"] == "extra_forbidden" and len(loc) == 1:
            template += '; settings only Heartbeat has go in "heartbeat": {...}'
        raise InvalidInput(loc[0], "json validation error: " + template % subject) from None
    if spec.schedule is not None and not _valid_cron(spec.schedule):
        raise InvalidInput("schedule", "json validation error: schedule is not a valid cron or OnCalendar expression")
    if spec.tz is not None and not _valid_zone(spec.tz):
        raise InvalidInput("tz", "json validation error: tz is not a valid timezone")
    if spec.start_kw:
        raise InvalidInput("start_kw", "json validation error: start_kw is not supported by Heartbeat")
    if spec.filter_http_body is False and (spec.success_kw or spec.failure_kw):
        # Healthchecks would keep such keywords for emails only; here they would fail HTTP pings.
        message = "keywords always judge HTTP ping bodies in Heartbeat; filter_http_body cannot be false with them"
        raise InvalidInput("filter_http_body", f"json validation error: {message}")
    return spec


def _kind(name: str) -> str:
    field = CheckSpec.model_fields.get(name)
    text = str(field.annotation) if field else ""
    return "number" if "int" in text else "boolean" if "bool" in text else "array" if "list" in text else "string"


def _valid_cron(expression: str) -> bool:
    try:
        schedules.check_cron(expression)
    except InvalidInput:
        return False
    return len(expression.split()) == 5  # Healthchecks' OnCalendar forms are not supported here


def _valid_zone(name: str) -> bool:
    try:
        schedules.check_zone(name)
    except InvalidInput:
        return False
    return True


def django_slug(name: str) -> str | None:
    """Healthchecks' slug of a name (Django's slugify), or None where Heartbeat would refuse it."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text.lower())).strip("-_")
    return text[:100] if SLUG_RE.match(text[:100]) else None


def tag_list(tags: str) -> list[str]:
    return list(dict.fromkeys(t for t in tags.split(" ") if t.strip()))


def keyword_list(keywords: str) -> list[str]:
    return list(dict.fromkeys(k.strip() for k in keywords.split(",") if k.strip()))


def settings_of(spec: CheckSpec, version: int) -> dict[str, Any]:
    """The Monitor settings a check body sets, as Healthchecks' `_update` applies them: a schedule wins
    over a timeout; in v1 and v2 a new name derives the slug, which an explicit slug overrides."""
    settings: dict[str, Any] = {}
    if spec.name is not None:
        settings["name"] = spec.name
        slug = django_slug(spec.name)
        if version < 3 and slug:
            settings["slug"] = slug
    if spec.schedule:
        settings["schedule"] = spec.schedule
    elif spec.timeout:
        settings["interval_s"] = spec.timeout
    if spec.tz is not None:
        settings["timezone"] = spec.tz
    if spec.slug:  # "" (Healthchecks' "no slug"): every Heartbeat monitor has one, so it stays as it is
        settings["slug"] = spec.slug
    if spec.tags is not None:
        settings["tags"] = tag_list(spec.tags)
    if spec.desc is not None:
        settings["description"] = spec.desc
    for flag in FLAGS:
        if (value := getattr(spec, flag.hc)) is not None:
            on, _ = flag.hc_flag
            settings[flag.attr] = value == on
    if spec.grace is not None:
        settings["grace_s"] = spec.grace
    # Keywords judge HTTP ping bodies here, always (Healthchecks' filter_http_body). The deprecated
    # `subject` fields filter emails on Healthchecks, which Heartbeat does not take: nothing to apply.
    for field, setting in (("success_kw", "success_keywords"), ("failure_kw", "failure_keywords")):
        if getattr(spec, field) is not None:
            settings[setting] = keyword_list(getattr(spec, field))
    if spec.heartbeat is not None:
        for s in EXTENDED:
            if s.api not in spec.heartbeat.model_fields_set:
                continue
            value = getattr(spec.heartbeat, s.api)
            if value is None and not s.clears:
                raise InvalidInput(s.api, f"json validation error: heartbeat.{s.api} is not a number")
            settings[s.attr] = value
    return within_limits(settings)


# The check fields that set each Monitor setting, to name them in Healthchecks' words.
FIELDS = {"description": "desc"} | {
    s.attr: f"{EXTENSION}.{s.api}" if s.hc == EXTENSION else s.hc for s in SETTINGS if s.hc
}


def within_limits(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings, each within the limits every door to a monitor applies (Heartbeat's own, which
    Healthchecks' API does not have: a tag is one word of at most 64 characters, ...)."""
    for name, value in settings.items():
        try:
            limits.check_setting(name, value)
        except InvalidInput as e:
            field = FIELDS.get(name, name)
            raise InvalidInput(field, f"json validation error: {field}: {e.message}") from None
    return settings


def unique_criteria(spec: CheckSpec) -> dict[str, Any] | None:
    """What `unique` asks an existing check to match (Monitor field -> value), or None: no upsert, as
    when a field it names is not in the body."""
    if not spec.unique:
        return None
    criteria: dict[str, Any] = {}
    for name in dict.fromkeys(spec.unique):
        value = getattr(spec, name)
        if value is None:
            return None
        if name == "tags":
            criteria["tags"] = " ".join(tag_list(value))  # as a check stores them
        elif name == "timeout":
            criteria["interval_s"] = value
        elif name == "grace":
            criteria["grace_s"] = value
        elif name == "slug":
            if not value:
                return None  # "" is no slug, which no Heartbeat monitor has: nothing can match
            criteria["slug"] = value
        else:
            criteria[name] = value
    return criteria


def matches(m: Monitor, criteria: dict[str, Any]) -> bool:
    """Healthchecks compares the stored fields as they are, tags as the space-separated string."""
    return all((" ".join(m.tags) if k == "tags" else getattr(m, k)) == v for k, v in criteria.items())


# ---- answers -------------------------------------------------------------------------------------


def isostring(ms: int | None) -> str | None:
    """Healthchecks' dates: UTC, seconds, `+00:00`."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms // 1000, UTC).isoformat()


def hc_status(m: Monitor, now_ms: int, version: int) -> str:
    """v1 shows a running job as `started`; v2 and v3 show what the job was before it started."""
    status = m.status_at(now_ms)
    if status is Status.STARTED and version > 1:
        return Status.UP.value if m.last_success_ms is not None else Status.NEW.value
    return status.value


def last_result(m: Monitor) -> int | None:
    """Healthchecks' `last_ping`: the last success or failure, which a /start (or a log) does not move,
    and none while new (as after a resume). An item last written before results were kept has its
    last ping, unless that was a start."""
    if m.status is Status.NEW:
        return None
    if m.last_result_ms is not None or m.last_ping_kind == PingKind.START:
        return m.last_result_ms
    return m.last_ping_ms


def next_ping(m: Monitor, now_ms: int) -> int | None:
    """When the next ping is expected (Healthchecks' grace start): for a check that is up, the deadline
    less the grace period."""
    if m.status not in (Status.UP, Status.STARTED) or m.next_deadline_ms is None:
        return None
    return m.next_deadline_ms - m.grace_s * 1000


class Links:
    """Where a check's URLs point: `base` is the deployment's public URL; `version` the API's."""

    def __init__(self, base: str, version: int, badge_key: str = "") -> None:
        self.base = base
        self.version = version
        self.badge_key = badge_key  # the deployment's, from which each check's own is derived

    def update_url(self, token: str) -> str:
        return f"{self.base}/api/v{self.version}/checks/{token}"

    def ping_url(self, token: str) -> str:
        return f"{self.base}/ping/{token}"

    def badge_url(self, monitor_id: str) -> str:
        """Healthchecks' per-check badge: /b/2/<the check's badge key>.svg (2: up or down, no late)."""
        return f"{self.base}/b/2/{badges.check_badge_key(self.badge_key, monitor_id)}.svg"


def hc_flag(flag: Setting, value: bool) -> Any:
    on, off = flag.hc_flag
    return on if value else off


def check_json(m: Monitor, now_ms: int, links: Links, readonly: bool, channels: list[str]) -> dict[str, Any]:
    """`Check.to_dict`: a read key sees `unique_key` (the monitor's id) and never the ping token."""
    keyworded = bool(m.success_keywords or m.failure_keywords)
    out: dict[str, Any] = {
        "name": m.name,
        "slug": m.slug or "",
        "tags": " ".join(m.tags),
        "desc": m.description,
        "grace": m.grace_s,
        "n_pings": m.n_pings,
        "status": hc_status(m, now_ms, links.version),
        "started": m.last_start_ms is not None,  # also a start while paused or down
        "last_ping": isostring(last_result(m)),
        "next_ping": isostring(next_ping(m, now_ms)),
        **{flag.hc: hc_flag(flag, getattr(m, flag.attr)) for flag in FLAGS},
        "subject": "",
        "subject_fail": "",
        "start_kw": "",
        "success_kw": ",".join(m.success_keywords),
        "failure_kw": ",".join(m.failure_keywords),
        "filter_subject": False,
        "filter_body": False,
        "filter_http_body": keyworded,
        # Heartbeat fails a body with none of the success keywords, where Healthchecks would ignore it.
        "filter_default_fail": bool(m.success_keywords),
        "badge_url": links.badge_url(m.id),
    }
    if m.last_duration_ms:
        out["last_duration"] = m.last_duration_ms // 1000
    if readonly:
        out["unique_key"] = m.id
    else:
        update_url = links.update_url(m.token)
        out |= {
            "uuid": m.token,
            "ping_url": links.ping_url(m.token),
            "update_url": update_url,
            "pause_url": f"{update_url}/pause",
            "resume_url": f"{update_url}/resume",
            "channels": ",".join(sorted(channels)),
        }
    if m.schedule is None:
        out["timeout"] = m.interval_s
    else:
        out |= {"schedule": m.schedule, "tz": m.timezone}
    out[EXTENSION] = {s.api: getattr(m, s.attr) for s in EXTENDED}
    return out


PING_TYPES = {PingKind.SUCCESS: "success", PingKind.START: "start", PingKind.FAIL: "fail", PingKind.LOG: "log"}


def ping_json(e: PingEvent, links: Links, token: str, scheme: str) -> dict[str, Any]:
    """`Ping.to_dict`; a failure counted by exit status or keyword is a `fail`, as Healthchecks shows it."""
    p = e.ping
    kind = "ign" if e.ignored else "fail" if e.cause is not None else PING_TYPES[p.kind]
    out: dict[str, Any] = {
        "type": kind,
        "date": datetime.fromtimestamp(e.at_ms / 1000, UTC).isoformat(timespec="microseconds"),
        "n": e.n,
        "scheme": scheme,
        "remote_addr": p.source_ip,
        "method": p.method,
        "ua": p.user_agent[:200],
        "rid": p.rid,
    }
    if e.duration_ms is not None:
        out["duration"] = round(e.duration_ms / 1000, 2)
    out["body_url"] = f"{links.update_url(token)}/pings/{e.n}/body" if p.body_size else None
    return out


def flips_json(incidents: list[Incident], start_ms: int, end_ms: int | None) -> list[dict[str, Any]]:
    """Each incident is a flip down and, once resolved, a flip up; newest first, in [start, end)."""
    flips = []
    for i in incidents:
        flips.append((i.opened_ms, 0))
        if i.resolved_ms is not None:
            flips.append((i.resolved_ms, 1))
    kept = [(at, up) for at, up in flips if at >= start_ms and (end_ms is None or at < end_ms)]
    return [{"timestamp": isostring(at), "up": up} for at, up in sorted(kept, reverse=True)]
