"""What a monitor remembers of the runs AWS events reported, written in the ping's own writes.

Deduplication rides on the write a ping already makes: each run's stage is one small attribute on
the monitor (`er_<run key>`), and the write is conditioned on that stage not being recorded yet,
so two deliveries of one event at once record one ping, and a start that arrives after its run's
end changes nothing. No extra item, no extra request.
"""

from __future__ import annotations

from collections.abc import Iterable

from heartbeat.domain.awsruns import END, START, run_key, run_mark
from heartbeat.domain.model import Ping
from heartbeat.store.codec import RUN_PREFIX, n
from heartbeat.store.expressions import Update


def mark_run(u: Update, ping: Ping, now_ms: int, forget: Iterable[str] = ()) -> Update:
    """Record the event's run stage in `u`, held only if that stage is new; remove the `forget`
    keys (runs older than those a monitor keeps) on the way."""
    if not ping.run_stage or not ping.rid:
        return u
    key = run_key(ping.rid)
    u.names["#er"] = RUN_PREFIX + key
    u.set("#er = :er", er=n(run_mark(ping.run_stage, now_ms)))
    # Race: a second delivery of the same event (or a later stage of the run) recorded meanwhile.
    if ping.run_stage == START:
        u.when("attribute_not_exists(#er)")
    elif ping.run_stage == END:
        u.when("(attribute_not_exists(#er) OR #er > :nothing)", nothing=n(0))
    for i, old in enumerate(k for k in forget if k != key):
        u.names[f"#erx{i}"] = RUN_PREFIX + old
        u.remove(f"#erx{i}")
    return u
