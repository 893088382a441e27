"""Telegram: the Bot API's sendMessage to one chat or channel."""

from __future__ import annotations

from heartbeat.adapters.targets.common import json_request, text
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL = "https://api.telegram.org"


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    url = f"{target.url or DEFAULT_URL}/bot{target.endpoint}/sendMessage"
    return json_request(url, {"chat_id": target.chat_id, "text": text(alert), "disable_web_page_preview": True}, alert)
