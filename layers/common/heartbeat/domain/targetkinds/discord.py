"""Discord: a channel webhook's message with one embed, mentioning no one."""

from __future__ import annotations

from heartbeat.domain.targetkinds.common import colour, json_request, text
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    embed = {"title": alert.subject, "description": text(alert), "color": int(colour(alert)[1:], 16)}
    # allowed_mentions: a monitor named "@everyone" must not ping a whole server.
    return json_request(target.endpoint, {"embeds": [embed], "allowed_mentions": {"parse": []}}, alert)


KIND = TargetKind("discord", (webhook_url("the channel webhook's URL"),), render)
