"""What a ping says by itself: the failure it reports (an exit status, /fail, a keyword), whether a
success is early, and which run it finishes. Pure judgements; what the ping then writes is
domain/decisions.py.
"""

from __future__ import annotations

from heartbeat.domain.model import Cause, Monitor, Ping, PingKind
from heartbeat.domain.writes import NotEarly

RUNS_CAP = 50  # open runs (?rid=) remembered per monitor; more means runs that never finished


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


def is_early(monitor: Monitor, now_ms: int) -> bool:
    """A success sooner than the minimum interval after the previous one, in the order the server received
    them. Never without a minimum interval. A success received before the last one but written after it (separate
    Lambda instances land concurrent pings in any order) is early only if it came that close before it."""
    if monitor.last_success_ms is not None and now_ms < monitor.last_success_ms:
        return monitor.last_success_ms - now_ms < monitor.min_gap_ms
    return not NotEarly(now_ms).holds(monitor)  # what the write's own condition judged


def early_cause(ping: Ping, current: Monitor | None, now_ms: int) -> Cause | None:
    """`early` for a success the monitor as read (never a cached copy: it has the last success) calls early."""
    if ping.kind is PingKind.SUCCESS and current is not None and is_early(current, now_ms):
        return Cause.EARLY
    return None


def received_before_last_success(monitor: Monitor | None, now_ms: int) -> bool:
    """A success that overtook this one on its way to the table already armed the monitor: this one counts,
    and neither moves the deadline back nor judges the pair again."""
    return monitor is not None and monitor.last_success_ms is not None and now_ms < monitor.last_success_ms


def run_start(monitor: Monitor, ping: Ping) -> int | None:
    """When the run a success ping finishes started: at its ?rid= start, or the last /start."""
    return (monitor.runs or {}).get(ping.rid) if ping.rid else monitor.last_start_ms
