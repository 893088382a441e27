"""What a ping means, and the writes it makes.

The common case, a success on a monitor that is up, is one conditional UpdateItem (no read)
plus one PutItem of the ping event. A ping that finds the monitor other than expected (an
incident to open or resolve, a threshold to count, a rule it did not know) gets the monitor as
it stands from the failed condition and makes the transition with a second, conditional write.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.errors import Contention, NotFound
from heartbeat.model import Alert, Cause, Monitor, Ping, PingEvent, PingKind
from heartbeat.schedules import deadline_after_success, reminder_after
from heartbeat.slugs import check_ping_key, check_slug, is_ping_key, monitor_for
from heartbeat.store import RUNS_CAP, LostRace, PingPlan, Store
from heartbeat.tokens import is_token, monitor_id_for

if TYPE_CHECKING:
    from heartbeat.alerts import Publisher

log = logging.getLogger(__name__)

# Each attempt loses only to a concurrent write on the same monitor; a handful always suffices.
MAX_ATTEMPTS = 5


class RulesCache:
    """What a warm Lambda remembers of monitors whose success pings need their settings (a cron
    schedule, keywords), so that those pings stay one write.

    The first success ping of such a monitor learns them from the failed write's returned item;
    later ones judge the ping from memory, and the write holds only while the monitor's `rev` is
    the one remembered, so a stale entry costs one failed write, never a wrong verdict.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._monitors: dict[str, Monitor] = {}

    def get(self, monitor_id: str) -> Monitor | None:
        return self._monitors.get(monitor_id)

    def learn(self, monitor: Monitor) -> None:
        if not monitor.needs_rules:
            self._monitors.pop(monitor.id, None)
            return
        if len(self._monitors) >= self.MAX_ENTRIES:
            self._monitors.pop(next(iter(self._monitors)))  # the oldest entry
        self._monitors[monitor.id] = monitor


def keyword_failure(monitor: Monitor, body: bytes) -> bool:
    """A failure keyword in the body, or success keywords of which it has none (case-insensitive).

    Bodies need not be UTF-8 and may be cut mid-character at the size limit: such bytes decode as
    U+FFFD and simply match nothing.
    """
    if not (monitor.success_keywords or monitor.failure_keywords):
        return False
    text = body.decode("utf-8", errors="replace").casefold()
    if any(k.casefold() in text for k in monitor.failure_keywords):
        return True
    return bool(monitor.success_keywords) and not any(k.casefold() in text for k in monitor.success_keywords)


def cause_of(ping: Ping, rules: Monitor | None) -> Cause | None:
    """The failure a ping reports by itself (judged by `rules` when known), or None."""
    if ping.exit_status:
        return Cause.EXIT_STATUS
    if ping.kind is PingKind.FAIL:
        return Cause.FAILED
    if ping.kind is PingKind.SUCCESS and rules is not None and keyword_failure(rules, ping.body):
        return Cause.KEYWORD
    return None


def plan(ping: Ping, cause: Cause | None, rules: Monitor | None, current: Monitor | None, now_ms: int) -> PingPlan:
    """The single write this ping makes if the monitor is as expected: `current` when a previous
    attempt returned it, otherwise up and without an incident for a success, down for a failure."""
    if current is not None and current.held:
        return PingPlan("ignore")
    rev = rules.rev if rules is not None else None
    guard = ping.kind is PingKind.SUCCESS
    if ping.kind is PingKind.LOG:
        return PingPlan("record")
    if cause is not None:
        return PingPlan("record", incident_open=True, failure=True, guard_rules=guard, rev=rev)
    if ping.kind is PingKind.START:
        # A start while down records the start and leaves the incident open.
        if current is not None and current.open_incident_ms is not None:
            return PingPlan("record", incident_open=True)
        return PingPlan("start", incident_open=False)
    deadline = deadline_after_success(rules, now_ms) if rules is not None and rules.schedule else None
    return PingPlan("arm", incident_open=False, guard_rules=True, rev=rev, deadline_ms=deadline)


@dataclass
class Outcome:
    n: int
    alert: Alert | None = None
    started_ms: int | None = None  # the start of the run this ping finished
    cause: Cause | None = None


def transition(store: Store, current: Monitor, ping: Ping, now_ms: int) -> Outcome | None:
    """What a ping does to a monitor that was not in the state its plan expected: a transition,
    made with a write conditioned on `current`, or None when a new plan (from `current`) will do.
    Raises LostRace when `current` changed before the write."""
    if current.held or ping.kind in (PingKind.LOG, PingKind.START):
        runs_full = current.runs is None or len(current.runs) >= RUNS_CAP
        if ping.kind is PingKind.START and ping.rid and not current.held and runs_full:
            store.reset_runs(current)
        return None
    if ping.rid and ping.kind is PingKind.SUCCESS and current.runs is None:
        store.reset_runs(current)
        return None
    cause = cause_of(ping, current)
    early = current.early_until_ms is not None and now_ms < current.early_until_ms
    if cause is None and early and current.open_incident_ms is None:
        cause = Cause.EARLY
    # Only pings that open or resolve an incident need alerts: import them here, off the cold start.
    from heartbeat.alerts import down_alert, up_alert

    after = dataclasses.replace(current, last_ping_ms=now_ms)
    if cause is not None:
        if current.open_incident_ms is not None:
            return None  # a failure while down: recorded by the plan's write
        if current.fail_streak + 1 < current.failure_threshold:
            next_deadline = deadline_after_success(current, now_ms)
            return Outcome(store.tolerate_failure(current, ping.kind, now_ms, next_deadline), cause=cause)
        # Incidents are keyed by their opening time: one that opens in the same millisecond as the
        # last one (fail, success, fail) opens a millisecond later rather than collide with it.
        opened = max(now_ms, (current.last_incident_ms or 0) + 1)
        alert = down_alert(after, opened, cause, now_ms, ping.body)
        reminder_at = reminder_after(current, opened, now_ms)
        return Outcome(store.open_by_ping(current, ping.kind, now_ms, cause, alert, reminder_at), alert, cause=cause)
    if current.open_incident_ms is None:
        return None  # the state moved back while we looked: plan again
    started = (current.runs or {}).get(ping.rid) if ping.rid else current.last_start_ms
    if current.good_streak + 1 < current.recovery_threshold:
        return Outcome(store.count_recovery(current, ping.kind, now_ms))
    alert = up_alert(after, current.open_incident_ms, now_ms, now_ms)
    deadline = deadline_after_success(current, now_ms)
    return Outcome(store.resolve_by_ping(current, ping.kind, now_ms, alert, deadline, ping.rid), alert, started)


def monitor_by_token(token: str) -> str:
    """The monitor a ping token addresses: no lookup, the id is the token's digest."""
    if not is_token(token):
        raise NotFound("unknown token")
    return monitor_id_for(token)


def monitor_by_slug(store: Store, key: str, slug: str, create: bool, now_ms: int) -> tuple[str, bool]:
    """The monitor /ping/<key>/<slug> addresses, and whether this call created it (`?create=1`).
    Raises InvalidInput (a bad slug), NotFound (unknown key, or no such slug), Ambiguous."""
    if not is_ping_key(key):
        raise NotFound("unknown ping key")  # malformed: the same 404, before anything else
    check_slug(slug)
    check_ping_key(store, key)
    for _ in range(MAX_ATTEMPTS):
        monitor_id = monitor_for(store, slug) or store.slug_claim(slug, now_ms)
        if monitor_id is not None:
            return monitor_id, False
        if not create:
            raise NotFound(f"no monitor with the slug {slug!r}")
        from heartbeat.monitors import create_monitor  # only a create by ping pays for it

        try:
            return create_monitor(store, slug, "HEARTBEAT", now_ms, slug=slug, claim_slug=True).id, True
        except LostRace:
            continue  # another first ping created it a moment ago: the claim names it
    raise Contention("the slug kept changing; try again")


def record_ping(
    store: Store,
    publisher: Callable[[], Publisher],
    monitor_id: str,
    ping: Ping,
    now_ms: int,
    rules_cache: RulesCache | None = None,
) -> int:
    """Apply one ping to its monitor and return the ping's number. Raises NotFound, Contention."""
    if rules_cache is None:  # no warm memory: a ping that needs the monitor's rules learns them each time
        rules_cache = RulesCache()
    current: Monitor | None = None  # the monitor as the last failed write returned it
    for _ in range(MAX_ATTEMPTS):
        rules = rules_cache.get(monitor_id)
        cause = cause_of(ping, rules)
        write_plan = plan(ping, cause, rules, current, now_ms)
        write = store.ping_write(monitor_id, ping, now_ms, write_plan)
        if write.n is not None:
            previous = write.previous
            assert previous is not None
            started = None
            if write_plan.effect == "arm":
                started = (previous.runs or {}).get(ping.rid) if ping.rid else previous.last_start_ms
            outcome = Outcome(write.n, started_ms=started, cause=cause)
            ignored = write_plan.effect == "ignore"
            break
        current = write.current
        assert current is not None
        rules_cache.learn(current)
        if write_plan.guard_rules and write_plan.rev != (current.rev if current.needs_rules else None):
            continue  # the rules, not the monitor's state, were off: plan again with the right ones
        try:
            found = transition(store, current, ping, now_ms)
        except LostRace:
            continue
        if found is not None:
            outcome, ignored = found, False
            break
    else:
        raise Contention("too many concurrent pings on this monitor")

    if store.keeps_ping_log:
        duration = now_ms - outcome.started_ms if outcome.started_ms is not None else None
        event = PingEvent(monitor_id, outcome.n, now_ms, ping, duration, outcome.cause, ignored)
        try:
            store.put_ping_event(event)
        except (BotoCoreError, ClientError):
            # The monitor's state already counts this ping; only its log entry is missing.
            log.exception("ping event %s of monitor %s not stored", outcome.n, monitor_id)
    if outcome.alert is not None:
        from heartbeat.alerts import deliver

        deliver(store, publisher(), outcome.alert, now_ms)
    return outcome.n
