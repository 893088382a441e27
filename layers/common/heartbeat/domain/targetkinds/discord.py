"""Discord: a channel webhook's message with one embed (its title links to the monitor), mentioning no one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from heartbeat.domain.targetkinds.common import code, cut, fit_lines, json_request, said
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target

TITLE_CHARS, DESCRIPTION_CHARS, FIELD_CHARS, EMBED_CHARS = 256, 4096, 1024, 6000  # Discord's limits
_MARKUP = re.compile(r"([\\*_~`|>#\[\]])")


def escape(text: str) -> str:
    """Discord's markdown: each character that could format written with a backslash."""
    return _MARKUP.sub(r"\\\1", text)


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    s = said(alert, base)
    fields = [{"name": label, "value": cut(escape(value), FIELD_CHARS), "inline": False} for label, value in s.rows]
    title = cut(s.title, TITLE_CHARS)
    links = " · ".join(f"[{escape(label)}]({url})" for label, url in s.links)
    room = min(DESCRIPTION_CHARS, EMBED_CHARS - len(title) - sum(len(f["name"]) + len(f["value"]) for f in fields))
    description = links
    if s.body:  # the body fills what the embed has left
        head = f"{escape(s.body_caption)}\n```\n"
        lines = fit_lines([code(line) for line in s.body], room - len(head) - len("\n```\n") - len(links))
        description = head + "\n".join(lines) + "\n```\n" + links
    embed: dict[str, object] = {"title": title, "color": int(s.colour[1:], 16), "fields": fields}
    if description:  # Discord refuses an empty one
        embed["description"] = description
    if s.link:
        embed["url"] = s.link
    embed["timestamp"] = datetime.fromtimestamp(s.facts.at_ms / 1000, UTC).isoformat(timespec="seconds")
    # allowed_mentions: a monitor named "@everyone" must not ping a whole server.
    return json_request(target.endpoint, {"embeds": [embed], "allowed_mentions": {"parse": []}}, alert)


KIND = TargetKind("discord", (webhook_url("the channel webhook's URL"),), render)
