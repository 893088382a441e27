"""Publishing the alert outbox. An alert is written pending in the same transaction as the state
change that causes it, then published, then marked sent. A publish that fails leaves it pending
with a retry time in the due index, so the next sweep sends it: an alert is never silently lost.
Delivery is at least once; the alert id is stable, so a subscriber can drop a duplicate."""

from __future__ import annotations

from heartbeat.adapters.sns import Publisher
from heartbeat.domain.alerts import retry_delay_ms
from heartbeat.domain.errors import Unavailable
from heartbeat.domain.model import Alert
from heartbeat.store import Store


def publish_pending(store: Store, publisher: Publisher, alert: Alert, now_ms: int) -> bool:
    """Publish one claimed alert and record the result (a snooze or a maintenance window may hold or
    drop it instead: see usecases/hold.py). False: left pending for a later sweep."""
    from heartbeat.usecases.hold import held_back  # loaded when an alert goes out, not at a ping's cold start

    if held_back(store, alert, now_ms):
        return True
    try:
        message_id = publisher.publish(alert)
    except Unavailable as e:
        store.outbox.failed(alert, now_ms + retry_delay_ms(alert.attempts), e.code)
        return False
    store.outbox.sent(alert, message_id, now_ms)
    return True
