"""Telegram: the Bot API's sendMessage to one chat or channel, in its HTML parse mode (<, > and &
escaped everywhere, so no name or body can add markup), the title linking to the monitor."""

from __future__ import annotations

import html
import re

from heartbeat.domain.targetkinds.common import fit_lines, json_request, said
from heartbeat.domain.targetkinds.kind import ApiField, TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL = "https://api.telegram.org"
TEXT_CHARS = 4096  # a message's, counted here before its entities are parsed (so at least as long as sent)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _a(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{escape(label)}</a>'


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    s = said(alert, base)
    title = f"<b>{_a(s.link, s.title) if s.link else escape(s.title)}</b>"
    rows = [f"<b>{escape(label)}:</b> {escape(value)}" for label, value in s.rows]
    links = " · ".join(_a(url, label) for label, url in s.links)
    text = "\n".join([title, *rows])
    if s.body:
        head = f"{text}\n\n<i>{escape(s.body_caption)}</i>\n<pre>"
        room = TEXT_CHARS - len(head) - len("</pre>\n\n") - len(links)
        lines = fit_lines([escape(line) for line in s.body], room)  # whole escaped lines: no entity split
        text = head + "\n".join(lines) + "</pre>"
    text += f"\n\n{links}" if links else ""
    url = f"{target.url or DEFAULT_URL}/bot{target.endpoint}/sendMessage"
    body = {"chat_id": target.chat_id, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
    return json_request(url, body, alert)


CHAT = (re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z0-9_]{5,32})$"), "a Telegram chat id (a number) or @channelname")
KIND = TargetKind(
    "telegram",
    (
        key("the bot's token", r"^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$", "a Telegram bot token"),
        ApiField("chatId", "chat_id", "text", max_chars=40, rule=CHAT),
        service_url("a Bot API server other than api.telegram.org"),
    ),
    render,
)
