"""What a ping means, and the writes it makes.

The common case, a success on a monitor that is up, is one conditional UpdateItem (no read)
plus one PutItem of the ping event. Only a ping that opens or resolves an incident reads: the
failed condition returns the monitor as it stands, and a transaction makes the transition.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.errors import Contention, NotFound
from heartbeat.model import Alert, Cause, Ping, PingEvent, PingKind
from heartbeat.store import LostRace, Store
from heartbeat.tokens import is_token, monitor_id_for

if TYPE_CHECKING:
    from heartbeat.alerts import Publisher

log = logging.getLogger(__name__)

# Each attempt loses only to a concurrent write on the same monitor; a handful always suffices.
MAX_ATTEMPTS = 5


def cause_of(ping: Ping) -> Cause | None:
    """The failure a ping reports, or None for a success, a start or a log."""
    if ping.exit_status:
        return Cause.EXIT_STATUS
    if ping.kind is PingKind.FAIL:
        return Cause.FAILED
    return None


def record_ping(store: Store, publisher: Callable[[], Publisher], token: str, ping: Ping, now_ms: int) -> int:
    """Apply one ping to its monitor and return the ping's number. Raises NotFound, Contention."""
    if not is_token(token):
        raise NotFound("unknown token")
    monitor_id = monitor_id_for(token)
    cause = cause_of(ping)
    # (effect, incident_open): the write this ping makes and the state it expects the monitor in.
    if ping.kind is PingKind.LOG:
        effect, incident_open = "record", None
    elif cause is not None:
        effect, incident_open = "record", True
    elif ping.kind is PingKind.START:
        effect, incident_open = "start", False
    else:
        effect, incident_open = "arm", False

    alert: Alert | None = None
    for _ in range(MAX_ATTEMPTS):
        write = store.ping_write(monitor_id, ping.kind, now_ms, effect, incident_open)
        if write.n is not None:
            n = write.n
            break
        current = write.current
        assert current is not None
        try:
            if ping.kind is PingKind.START:
                # A start while down records the start and leaves the incident open.
                effect, incident_open = ("record", True) if current.open_incident_ms else ("start", False)
                continue
            # Only pings that open or resolve an incident need alerts: import them here, off the cold start.
            from heartbeat.alerts import down_alert, up_alert

            after = dataclasses.replace(current, last_ping_ms=now_ms)
            if cause is not None:
                alert = down_alert(after, now_ms, cause, now_ms)
                n = store.open_by_ping(current, ping.kind, now_ms, cause, alert)
            else:
                assert current.open_incident_ms is not None
                alert = up_alert(after, current.open_incident_ms, now_ms, now_ms)
                n = store.resolve_by_ping(current, ping.kind, now_ms, alert)
            break
        except LostRace:
            alert = None
            continue
    else:
        raise Contention("too many concurrent pings on this monitor")

    if store.keeps_ping_log:
        try:
            store.put_ping_event(PingEvent(monitor_id=monitor_id, n=n, at_ms=now_ms, ping=ping))
        except (BotoCoreError, ClientError):
            # The monitor's state already counts this ping; only its log entry is missing.
            log.exception("ping event %s of monitor %s not stored", n, monitor_id)
    if alert is not None:
        from heartbeat.alerts import deliver

        deliver(store, publisher(), alert, now_ms)
    return n
