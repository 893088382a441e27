"""Acknowledge and snooze, from the API, the CLI or an alert's signed link; and the snooze's say on
every alert about to be published (`held_back`, called by the outbox).

Acknowledging an incident stops its reminders until it resolves. A snooze sends no down alert or
reminder of its monitor until it ends; the one alert it held (domain/silence.py) is sent then if the
monitor is still down. A recovery is sent if its down alert was, snooze or not. The snooze's end is
the held alert's due time in the `due` index, so the sweeper finds it as it finds any alert to
publish: no scan, and nothing due at all when a snooze held nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from heartbeat.adapters.sns import Publisher
from heartbeat.domain import alertlinks
from heartbeat.domain.alertlinks import ACKNOWLEDGE, SignedAction
from heartbeat.domain.alerts import LEASE_MS
from heartbeat.domain.errors import Contention, Forbidden, LostRace, NotDown, NotFound, Unavailable
from heartbeat.domain.model import Acknowledgement, Alert, AlertEvent, Monitor
from heartbeat.domain.silence import Verdict, judge
from heartbeat.store import Store
from heartbeat.store.codec import alert_from_item, monitor_pk, s
from heartbeat.store.silence import alert_sk

log = logging.getLogger(__name__)

ATTEMPTS = 5  # re-reads after losing a race to another snooze or alert, before answering 409
LINK_USER = "alert link"  # who acknowledged, when it was done from an alert's link (no key, no name)


def link_key(secret: Callable[[], bytes]) -> Callable[[], bytes | None]:
    """The key alert links are signed with, from the deployment's secret. An alert is never held up
    for want of it: a secret that cannot be read gives links without actions (logged)."""

    def key() -> bytes | None:
        try:
            return alertlinks.link_key(secret())
        except Unavailable as e:
            log.warning("alert links unsigned: the secret could not be read (%s)", e.code)
            return None

    return key


# ---- acknowledge -----------------------------------------------------------------------------------


def acknowledge(
    store: Store, monitor_id: str, by: str, note: str, now_ms: int, incident_ms: int | None = None
) -> Monitor:
    """Acknowledge the monitor's open incident (`incident_ms`: only if it is that one). Raises NotFound
    for an unknown monitor, NotDown when it has no such open incident."""
    monitor = store.monitors.get(monitor_id)
    open_ms = monitor.open_incident_ms
    if open_ms is None or (incident_ms is not None and incident_ms != open_ms):
        raise NotDown("this incident has resolved" if incident_ms is not None else "the monitor has no open incident")
    try:
        store.silences.acknowledge(monitor_id, Acknowledgement(open_ms, by, now_ms, note))
    except LostRace:
        raise NotDown("the incident resolved meanwhile") from None
    return store.monitors.get(monitor_id)


def stop_reminders(store: Store, monitor: Monitor) -> bool:
    """The sweeper found an acknowledged incident's reminder due (a settings change re-armed it): none is sent."""
    assert monitor.next_reminder_ms is not None and monitor.open_incident_ms is not None
    return store.silences.stop_reminders(monitor.id, monitor.next_reminder_ms, monitor.open_incident_ms)


# ---- snooze ----------------------------------------------------------------------------------------


def snooze(store: Store, monitor_id: str, until_ms: int, now_ms: int) -> Monitor:
    """No alerts of the monitor until `until_ms` (checked by the caller: alertlinks.checked_snooze)."""
    _change_snooze(store, monitor_id, until_ms, now_ms)
    return store.monitors.get(monitor_id)


def unsnooze(store: Store, publisher: Publisher, monitor_id: str, now_ms: int) -> Monitor:
    """End the snooze now; the alert it held is sent at once if the monitor is still down."""
    held = _change_snooze(store, monitor_id, None, now_ms)
    if held is not None:
        from heartbeat.usecases.outbox import publish_pending

        item = store.table.get({"pk": monitor_pk(monitor_id), "sk": s(held)})
        alert = alert_from_item(item) if item is not None else None
        # Race: the sweeper may take it at the same moment: whoever claims it sends it.
        if alert is not None and store.outbox.claim(alert, now_ms + LEASE_MS):
            publish_pending(store, publisher, alert, now_ms)
    return store.monitors.get(monitor_id)


def _change_snooze(store: Store, monitor_id: str, until_ms: int | None, now_ms: int) -> str | None:
    """The held alert's sort key, if the snooze held one."""
    for _ in range(ATTEMPTS):
        seen = store.silences.state(monitor_id)
        try:
            store.silences.snooze(monitor_id, until_ms, seen, now_ms)
        except LostRace:
            continue
        return seen.held_sk
    raise Contention("the snooze kept changing; try again")


# ---- the outbox asks: may this alert go now? ---------------------------------------------------------


def held_back(store: Store, alert: Alert, now_ms: int) -> bool:
    """True when a snooze holds or drops `alert` instead of it being published now; one read of the
    monitor (and for a recovery, of its down alert), for an alert about to go out (never on a ping that
    changes nothing)."""
    sk = alert_sk(alert)
    for _ in range(ATTEMPTS):
        try:
            seen = store.silences.state(alert.monitor_id)
            down_state = _down_state(store, alert)
        except NotFound:
            return False  # deleted: the outbox's own writes leave the alert alone
        except Unavailable as e:  # left pending: a sweep after its lease asks again
            log.warning("could not read the snooze of an alert's monitor (%s); the next sweep sends it", e.code)
            return True
        verdict = judge(alert, sk, seen, now_ms, down_state)
        try:
            if verdict is Verdict.HOLD:
                store.silences.hold(alert, seen)
            elif verdict in (Verdict.RELEASE, Verdict.RELEASE_DROP):
                store.silences.release(alert, seen)
        except LostRace:
            continue
        if verdict in (Verdict.DROP, Verdict.RELEASE_DROP):
            store.silences.drop(alert)
        return verdict not in (Verdict.PUBLISH, Verdict.RELEASE)
    log.warning("snooze kept changing while an alert was judged; sending it", extra={"alert_id": alert.id})
    return False


def _down_state(store: Store, alert: Alert) -> str | None:
    """For a recovery, the state of its outage's down alert (a consistent read: it may have just been
    held); None for other alerts, or when there is none."""
    if alert.event is not AlertEvent.UP:
        return None
    down = store.outbox.down_alert(alert.monitor_id, alert.incident_ms, consistent=True)
    return down.state if down is not None else None


# ---- signed links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkTarget:
    """What a signed link would do, to which monitor, as its confirmation page says it."""

    action: SignedAction
    monitor: Monitor
    snooze_until_ms: int | None  # for a snooze: when it would end, if done now


def open_link(store: Store, key: bytes, token: str, now_ms: int) -> LinkTarget:
    """The link's action if it may still act. Raises Forbidden for a bad or expired link, or one whose
    incident has resolved (or whose monitor is gone): nothing is changed by reading it."""
    action = alertlinks.verify(key, token, now_ms)
    try:
        monitor = store.monitors.get(action.monitor_id)
    except NotFound:
        raise Forbidden("this monitor no longer exists") from None
    if monitor.open_incident_ms != action.incident_ms:
        raise Forbidden("this alert's incident has resolved, so its links no longer act")
    until = None if action.action == ACKNOWLEDGE else alertlinks.snooze_end(action.action, now_ms, monitor.timezone)
    return LinkTarget(action, monitor, until)


def follow_link(store: Store, key: bytes, token: str, now_ms: int) -> LinkTarget:
    """Do what the link says (the POST of its confirmation page)."""
    target = open_link(store, key, token, now_ms)
    if target.snooze_until_ms is None:
        try:
            acknowledge(store, target.monitor.id, LINK_USER, "", now_ms, target.action.incident_ms)
        except NotDown:
            raise Forbidden("this alert's incident has resolved, so its links no longer act") from None
    else:
        snooze(store, target.monitor.id, target.snooze_until_ms, now_ms)
    return target
