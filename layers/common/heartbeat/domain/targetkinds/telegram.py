"""Telegram: the Bot API's sendMessage to one chat or channel."""

from __future__ import annotations

import re

from heartbeat.domain.targetkinds.common import json_request, text
from heartbeat.domain.targetkinds.kind import ApiField, TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL = "https://api.telegram.org"


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    url = f"{target.url or DEFAULT_URL}/bot{target.endpoint}/sendMessage"
    return json_request(url, {"chat_id": target.chat_id, "text": text(alert), "disable_web_page_preview": True}, alert)


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
