"""The chat and incident targets' payloads: one module per kind, as Healthchecks keeps
hc/integrations/<kind>/, each with `render(target, alert, incident_url) -> Request`."""

from __future__ import annotations

from collections.abc import Callable

from heartbeat.adapters.targets import discord, opsgenie, pagerduty, slack, teams, telegram, webhook
from heartbeat.domain.targets import KINDS, AlertMessage, Request, Target

Renderer = Callable[[Target, AlertMessage, str], Request]
RENDERERS: dict[str, Renderer] = {
    "slack": slack.render,
    "discord": discord.render,
    "teams": teams.render,
    "telegram": telegram.render,
    "pagerduty": pagerduty.render,
    "opsgenie": opsgenie.render,
    "webhook": webhook.render,
}
assert tuple(RENDERERS) == KINDS  # a kind without a renderer: a bug, found at import


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    """The one HTTP request that tells the target of this alert."""
    # An unknown kind (never stored: domain.targets.check refuses it) goes as the plain webhook did.
    return RENDERERS.get(target.kind, webhook.render)(target, alert, incident_url)
