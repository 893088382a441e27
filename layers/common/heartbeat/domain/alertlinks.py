"""The links an alert carries: the monitor's page on the dashboard, its incidents in the API, and
signed one-click actions (acknowledge; snooze 1 h, 4 h, until tomorrow 09:00 in the monitor's zone).

A signed link works without an API key: it is an HMAC-SHA256, under a key derived from the
deployment's secret, over the monitor, the incident, the action and the expiry, so it can do that one
thing to that one incident until it expires (LINK_DAYS, or sooner when the incident resolves: the use
case checks that). Pure: the key and `now` are passed in.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from heartbeat.domain.errors import Forbidden, InvalidInput
from heartbeat.domain.model import Alert, AlertEvent

LINK_DAYS = 7
ACKNOWLEDGE = "ack"
SNOOZES = {"snooze-1h": 3600, "snooze-4h": 4 * 3600, "snooze-tomorrow": None}  # None: tomorrow 09:00, its zone
ACTIONS = (ACKNOWLEDGE, *SNOOZES)
SNOOZE_MIN_S = 60
SNOOZE_MAX_S = 30 * 86400
TOMORROW_AT = time(9, 0)
SIG_BYTES = 16  # 128 bits of the HMAC: far beyond guessing, and the link stays short
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9]{1,15})\.([a-z0-9-]{1,20})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})$")


@dataclass(frozen=True)
class SignedAction:
    """What a signed link may do."""

    monitor_id: str
    incident_ms: int
    action: str  # one of ACTIONS
    expires_s: int  # epoch seconds

    @property
    def payload(self) -> str:
        return f"{self.monitor_id}.{self.incident_ms}.{self.action}.{self.expires_s}"


def link_key(secret: bytes) -> bytes:
    """The links' own key, derived from the deployment's secret: a link's signature is never an API key's hash."""
    return hmac.new(secret, b"heartbeat alert links v1", hashlib.sha256).digest()


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, action: SignedAction) -> str:
    """The link's token: the action in clear, then its signature."""
    return f"{action.payload}.{_signature(key, action.payload)}"


def verify(key: bytes, token: str, now_ms: int) -> SignedAction:
    """The action a token signs. Raises Forbidden for a malformed, tampered or expired one."""
    match = _TOKEN.match(token)
    if match is None or match[3] not in ACTIONS:
        raise Forbidden("this link is not a valid Heartbeat link")
    action = SignedAction(match[1], int(match[2]), match[3], int(match[4]))
    if not hmac.compare_digest(_signature(key, action.payload), match[5]):
        raise Forbidden("this link is not a valid Heartbeat link")
    if now_ms >= action.expires_s * 1000:
        raise Forbidden("this link has expired")
    return action


@dataclass(frozen=True)
class AlertLinks:
    """Every link of one alert; "" where the deployment's URL is not known."""

    monitor: str  # the monitor's page on the dashboard
    api: str  # its incidents in the management API (needs a key)
    acknowledge: str = ""  # signed links: only a down or reminder alert has them
    snooze_1h: str = ""
    snooze_4h: str = ""
    snooze_tomorrow: str = ""

    def document(self) -> dict[str, str]:
        """As the alert's JSON document carries them (`links`)."""
        doc = {"monitor": self.monitor, "api": self.api, "acknowledge": self.acknowledge}
        doc |= {"snooze1h": self.snooze_1h, "snooze4h": self.snooze_4h, "snoozeTomorrow": self.snooze_tomorrow}
        return {name: url for name, url in doc.items() if url}


def monitor_url(base: str, monitor_id: str) -> str:
    """The monitor's page on the dashboard (it asks for a key first, then shows that monitor)."""
    return f"{base}/#monitor/{monitor_id}" if base else ""


def api_url(base: str, monitor_id: str) -> str:
    """The monitor's incidents in the management API (`$API_URL`)."""
    return f"{base}/api/v1/monitors/{monitor_id}/incidents" if base else ""


def action_url(base: str, token: str) -> str:
    return f"{base}/alert-action/{token}"


def alert_links(
    base: str, monitor_id: str, incident_ms: int, made_ms: int, key: bytes | None, actions: bool = True
) -> AlertLinks:
    """An alert's links; signed ones (`actions`, and a key) expire LINK_DAYS after the alert was made,
    so a retried publish carries the same links."""
    plain = AlertLinks(monitor_url(base, monitor_id), api_url(base, monitor_id))
    if not base or key is None or not actions:
        return plain
    expires_s = made_ms // 1000 + LINK_DAYS * 86400

    def url(action: str) -> str:
        return action_url(base, sign(key, SignedAction(monitor_id, incident_ms, action, expires_s)))

    return AlertLinks(
        plain.monitor,
        plain.api,
        acknowledge=url(ACKNOWLEDGE),
        snooze_1h=url("snooze-1h"),
        snooze_4h=url("snooze-4h"),
        snooze_tomorrow=url("snooze-tomorrow"),
    )


def linked(alert: Alert, base: str, key: bytes | None) -> Alert:
    """The alert as published: its links in its facts (for its words) and in its document's `links`
    (for the notifier's targets and every subscriber); signed actions only while it is down."""
    made_ms = alert.facts.at_ms if alert.facts is not None else alert.incident_ms
    down = alert.event in (AlertEvent.DOWN, AlertEvent.REMINDER)
    links = alert_links(base, alert.monitor_id, alert.incident_ms, made_ms, key, actions=down)
    try:
        doc = json.loads(alert.message)
    except ValueError:
        return alert
    if not isinstance(doc, dict) or not base:
        return alert
    message = json.dumps({**doc, "links": links.document()}, separators=(",", ":"))
    facts = dataclasses.replace(alert.facts, links=links) if alert.facts is not None else None
    return dataclasses.replace(alert, message=message, facts=facts)


# ---- snoozes ---------------------------------------------------------------------------------------


def tomorrow_at_nine(now_ms: int, zone: str) -> int:
    """09:00 tomorrow in `zone` (UTC for a zone not known), as epoch ms: a wall-clock time, so a
    day with a DST change is 23 or 25 hours long and the snooze still ends at 09:00."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    today = datetime.fromtimestamp(now_ms / 1000, tz).date()
    return int(datetime.combine(today + timedelta(days=1), TOMORROW_AT, tz).timestamp() * 1000)


def snooze_end(action: str, now_ms: int, zone: str) -> int:
    """When a link's snooze ends, counted from when it is used."""
    seconds = SNOOZES[action]
    return tomorrow_at_nine(now_ms, zone) if seconds is None else now_ms + seconds * 1000


def checked_snooze(until_ms: int, now_ms: int, field: str) -> int:
    """`until_ms` if the snooze it makes is between SNOOZE_MIN_S and SNOOZE_MAX_S long."""
    if until_ms - now_ms < SNOOZE_MIN_S * 1000:
        raise InvalidInput(field, f"a snooze lasts at least {SNOOZE_MIN_S} seconds")
    if until_ms - now_ms > SNOOZE_MAX_S * 1000:
        raise InvalidInput(field, f"a snooze lasts at most {SNOOZE_MAX_S // 86400} days")
    return until_ms
