"""The alert outbox: alert items written pending with the state change that causes them (see
transitions.py), claimed by one publisher at a time, then marked sent, or failed with a retry time
that keeps them in the due index."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from heartbeat.domain.model import Alert, AlertEvent
from heartbeat.domain.silence import SENT
from heartbeat.store.codec import alert_from_item, alert_key, n, s
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Table

if TYPE_CHECKING:
    from heartbeat.domain.alertwords import AlertFacts
    from heartbeat.domain.targets import AlertMessage


class Outbox:
    def __init__(self, table: Table) -> None:
        self._table = table

    def claim(self, alert: Alert, lease_until_ms: int) -> bool:
        """Take a pending alert for publishing, so that two sweepers do not both send it."""
        u = Update().set("deadline = :lease", lease=n(lease_until_ms))
        # Race: another sweeper claimed it (moved the lease) or it was sent meanwhile.
        u.when("deadline = :seen", seen=n(alert.lease_until_ms or 0))
        try:
            self._table.update(alert_key(alert), u)
        except ConditionFailed:
            return False
        return True

    def down_alert(self, monitor_id: str, incident_ms: int, consistent: bool = False) -> Alert | None:
        """The alert that opened an incident: read to say in its reminders why the monitor is down, and
        (`consistent`) whether its recovery may be sent (usecases/silence.py)."""
        item = self._table.get(
            alert_key(Alert(monitor_id, incident_ms, AlertEvent.DOWN, "", "")), consistent=consistent
        )
        return alert_from_item(item) if item is not None else None

    def facts(self, alert: AlertMessage) -> AlertFacts | None:
        """The facts an alert was written with, read to say it in words where SNS does not (the
        notifier's targets); None for an alert not in the outbox (a test) or written before facts."""
        incident, monitor = alert.incident, alert.monitor
        if not str(incident.get("id", "")).isdigit() or not monitor.get("id"):
            return None
        event, reminder = AlertEvent(alert.event), int(incident.get("reminder") or 0)
        key = alert_key(Alert(str(monitor["id"]), int(incident["id"]), event, "", "", reminder=reminder))
        item = self._table.get(key, consistent=False)  # written before it was published: long since readable
        return alert_from_item(item).facts if item is not None else None

    def sent(self, alert: Alert, message_id: str, now_ms: int) -> None:
        u = Update().set("#state = :sent", "sent_ms = :now", "message_id = :mid").add("attempts :one")
        self._finish(alert, u.remove("deadline", "due_shard").bind(sent=s(SENT), now=n(now_ms), mid=s(message_id)))

    def failed(self, alert: Alert, retry_at_ms: int, error: str) -> None:
        u = Update().set("deadline = :retry", "last_error = :err").add("attempts :one")
        self._finish(alert, u.bind(retry=n(retry_at_ms), err=s(error[:500])))

    def _finish(self, alert: Alert, u: Update) -> None:
        # Race: the monitor (and its alerts) were deleted meanwhile; do not resurrect the item.
        u.bind(one=n(1)).when("attribute_exists(pk)")
        with contextlib.suppress(ConditionFailed):
            self._table.update(alert_key(alert), u)
