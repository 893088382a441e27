"""Recording a ping.

The common case, a success on a monitor that is up, is one conditional UpdateItem (no read) plus
one PutItem of the ping event. A ping that finds the monitor other than expected (an incident to
open or resolve, a threshold to count, a rule it did not know) gets the monitor as it stands from
the failed condition, and the domain decides the transition, made with a second conditional write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from heartbeat.domain.awsruns import is_recorded
from heartbeat.domain.decisions import (
    Action,
    OpenIncident,
    PingDecision,
    ResetRuns,
    Resolve,
    TolerateFailure,
    decide_ping,
    plan,
    quorum_armed,
)
from heartbeat.domain.errors import Ambiguous, Contention, DuplicateEvent, LostRace, NotFound, Unavailable
from heartbeat.domain.model import Alert, Cause, Monitor, Ping, PingEvent
from heartbeat.domain.quorum import quorum_deadline, with_ping
from heartbeat.domain.rules import cause_of, early_cause, run_start
from heartbeat.domain.slugs import check_slug
from heartbeat.domain.tokens import is_token, monitor_id_for
from heartbeat.store import Store
from heartbeat.store.claims import slug_claim
from heartbeat.usecases.deployment_keys import PING_KEY, check_deployment_key, is_deployment_key

if TYPE_CHECKING:
    from heartbeat.adapters.sns import Publisher

log = logging.getLogger(__name__)

# Each attempt loses only to a concurrent write on the same monitor; a handful always suffices.
PING_ATTEMPTS = 5


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


@dataclass(frozen=True)
class Recorded:
    """What recording a ping came to."""

    n: int  # the ping's number
    alert: Alert | None = None  # the alert its transition queued
    started_ms: int | None = None  # the start of the run it finished
    cause: Cause | None = None  # the failure it counted as
    ignored: bool = False  # held by manual resume, or not a POST to a POST-only monitor
    released_by: Monitor | None = None  # the monitor as its recovery read it, holding children's alerts


def monitor_by_token(token: str) -> str:
    """The monitor a ping token addresses: no lookup, the id is the token's digest."""
    if not is_token(token):
        raise NotFound("unknown token")
    return monitor_id_for(token)


def monitor_by_slug(store: Store, key: str, slug: str, create: bool, now_ms: int) -> tuple[str, bool]:
    """The monitor /ping/<key>/<slug> addresses, and whether this call created it (`?create=1`).
    Raises InvalidInput (a bad slug), NotFound (unknown key, or no such slug), Ambiguous."""
    if not is_deployment_key(key):
        raise NotFound("unknown ping key")  # malformed: the same 404, before anything else
    check_slug(slug)
    check_deployment_key(store, PING_KEY, key)
    monitor_id = _monitor_with_slug(store, slug)
    if monitor_id is not None:
        return monitor_id, False
    if not create:
        # A monitor a first ping made a moment ago, which the index may not show yet
        monitor_id = store.claims.holder(slug_claim(slug), now_ms)
        if monitor_id is None:
            raise NotFound(f"no monitor with the slug {slug!r}")
        # Shown first if its creator is still between its writes: a ping never lands on a hidden monitor.
        return store.monitors.claimed(monitor_id).id, False
    from heartbeat.usecases.monitors import create_unique  # only a create by ping pays for it

    # Two first pings at once: one creates, the other finds the monitor through the claim.
    m, created = create_unique(store, slug_claim(slug), lambda m: m.slug == slug, now_ms, slug, "HEARTBEAT", slug)
    return m.id, created


def _monitor_with_slug(store: Store, slug: str) -> str | None:
    """The id of the one monitor with this slug, None if none. Raises Ambiguous."""
    ids = store.slugs.monitor_ids(slug)
    if len(ids) > 1:
        raise Ambiguous(f"{len(ids)} monitors have the slug {slug!r}; give them distinct slugs")
    return ids[0] if ids else None


def record_ping(
    store: Store,
    publisher: Callable[[], Publisher],
    monitor_id: str,
    ping: Ping,
    now_ms: int,
    rules_cache: RulesCache | None = None,
) -> int:
    """Apply one ping to its monitor and return the ping's number. Raises NotFound, Contention,
    Unavailable, and DuplicateEvent for an AWS event's run stage already recorded."""
    recorded = _apply(store, monitor_id, ping, now_ms, rules_cache or RulesCache())
    if store.pings.kept:
        started = recorded.started_ms
        # A start received after this finish (written before it) is another run's: no duration.
        duration = now_ms - started if started is not None and started <= now_ms else None
        event = PingEvent(monitor_id, recorded.n, now_ms, ping, duration, recorded.cause, recorded.ignored)
        try:
            store.pings.add(event)
        except Unavailable:
            # The monitor's state already counts this ping; only its log entry is missing.
            log.exception("ping event %s of monitor %s not stored", recorded.n, monitor_id)
    if recorded.alert is not None:
        from heartbeat.usecases.outbox import publish_pending  # only pings that open or resolve an incident

        publish_pending(store, publisher(), recorded.alert, now_ms)
    if recorded.released_by is not None:
        from heartbeat.usecases.dependencies import release_held  # only a parent's recovery

        release_held(store, publisher(), recorded.released_by, now_ms)
    return recorded.n


def _apply(store: Store, monitor_id: str, ping: Ping, now_ms: int, rules_cache: RulesCache) -> Recorded:
    """The ping's writes on its monitor: the plan's one write, or, when the monitor was not as the
    plan expected, the transition the domain decides from the monitor as it stands."""
    current: Monitor | None = None  # the monitor as the last failed write returned it
    for _ in range(PING_ATTEMPTS):
        rules = rules_cache.get(monitor_id)
        cause = cause_of(ping, rules) or early_cause(ping, current, now_ms)
        write_plan = plan(ping, cause, rules, current, now_ms)
        write = store.ping_path.write(monitor_id, write_plan.write)
        if write.n is not None:
            assert write.previous is not None
            if write_plan.action is Action.ARM and rules is not None and rules.quorum:
                _arm_quorum(store, write.previous, ping, now_ms)
            # The run a success finishes, or a failure ends (a failed run has its length too).
            finished = write_plan.action is Action.ARM or (write_plan.action is Action.RECORD and cause is not None)
            started = run_start(write.previous, ping) if finished else None
            return Recorded(write.n, started_ms=started, cause=cause, ignored=write_plan.action is Action.IGNORE)
        current = write.current
        assert current is not None
        if ping.run_stage and ping.rid and is_recorded(current.event_runs, ping.rid, ping.run_stage):
            raise DuplicateEvent(f"run {ping.rid} stage {ping.run_stage} already recorded")
        rules_cache.learn(current)
        if write_plan.judged_by_other_rules(current):
            continue  # the rules, not the monitor's state, were off: plan again with the right ones
        parent = None
        if current.depends_on and current.open_incident_ms is None:
            # Parents are read only off the one-write path, by a monitor that has some and is not down.
            from heartbeat.usecases.dependencies import parent_down

            parent = parent_down(store, current)
        decision = decide_ping(current, ping, now_ms, parent)
        if decision is None:
            continue  # a new plan, from the monitor as it stands, will do
        try:
            store.transitions.carry_out(monitor_id, decision, now_ms)
        except LostRace:
            continue
        if not isinstance(decision, ResetRuns):
            return _recorded(current.n_pings + 1, decision, current, run_start(current, ping))
    raise Contention("too many concurrent pings on this monitor")


def _arm_quorum(store: Store, previous: Monitor, ping: Ping, now_ms: int) -> None:
    """A quorum's deadline after a success, from the instances as the ping's write found them (its
    returned old item: no read), in a second write only when it moves (once per period per instance,
    at most). A write lost here costs a sweep that re-arms it, never a false alert."""
    due = quorum_deadline(previous, with_ping(previous, ping, now_ms))
    if due is not None and (previous.deadline_ms is None or due > previous.deadline_ms):
        store.ping_path.write(previous.id, quorum_armed(due))  # a later deadline, or an incident, wins


def _recorded(n: int, decision: PingDecision, current: Monitor, run_start_ms: int | None) -> Recorded:
    """`run_start_ms`: when the run the ping ends started, by the monitor as the decision read it."""
    if isinstance(decision, OpenIncident):
        return Recorded(n, decision.alert, started_ms=run_start_ms, cause=decision.cause)
    if isinstance(decision, TolerateFailure):
        return Recorded(n, started_ms=run_start_ms, cause=decision.cause)
    if isinstance(decision, Resolve):
        holder = current if current.holding else None
        return Recorded(n, decision.alert, started_ms=decision.run_start_ms, released_by=holder)
    return Recorded(n)  # CountRecovery
