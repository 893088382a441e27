"""Slack: an incoming webhook's message in Block Kit (a title linking to the monitor, the facts, the
failing body in a code block, buttons for the links), with one sentence as the notification's text."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.targetkinds.common import code, cut, fit_lines, json_request, said
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target

TEXT_CHARS = 3000  # of a section block's text (the message's own `text` may have 40,000)
BUTTON_CHARS = 75  # of a button's label
BUTTONS = 25  # in an actions block
EMOJI = {"monitor.down": ":red_circle:", "monitor.reminder": ":red_circle:", "monitor.up": ":large_green_circle:"}


def escape(text: str) -> str:
    """Slack's mrkdwn: &, < and > written as entities, so `<!channel>` in a name pings no one."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, TEXT_CHARS)}}


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    s = said(alert, base)
    title = f"*<{s.link}|{escape(s.title)}>*" if s.link else f"*{escape(s.title)}*"
    blocks = [_section(f"{EMOJI.get(alert.event, ':large_blue_circle:')} {title}")]
    blocks.append(_section("\n".join(f"*{label}:* {escape(value)}" for label, value in s.rows)))
    if s.body:
        lines = fit_lines([escape(code(line)) for line in s.body], TEXT_CHARS - len("```\n\n```"))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(s.body_caption)}]})
        blocks.append(_section("```\n" + "\n".join(lines) + "\n```"))
    if s.links:
        buttons = [
            {"type": "button", "text": {"type": "plain_text", "text": cut(label, BUTTON_CHARS)}, "url": url}
            for label, url in s.links[:BUTTONS]
        ]
        blocks.append({"type": "actions", "elements": buttons})
    # `text`: the notification's (and a client without blocks'), one sentence; the blocks say the rest.
    return json_request(target.endpoint, {"text": escape(s.summary), "blocks": blocks}, alert)


KIND = TargetKind("slack", (webhook_url("the incoming webhook's URL"),), render)
