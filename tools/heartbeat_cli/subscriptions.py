"""`heartbeat subscriptions ...`: who receives which alerts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import click

from heartbeat_cli.names import monitor_id
from heartbeat_cli.output import table
from heartbeat_cli.session import Session, global_options, pass_session

PROTOCOLS = ["email", "sms", "https", "sqs", "lambda"]  # SNS's own
PROTOCOLS += ["slack", "discord", "teams", "telegram", "pagerduty", "opsgenie", "webhook"]  # the notifier's
TARGET_FIELDS = [("chat_id", "chatId"), ("url", "url"), ("template", "template"), ("content_type", "contentType")]
EVENTS = ["monitor.down", "monitor.up", "monitor.reminder"]
SUBSCRIPTION_COLUMNS = [("id", "ID"), ("protocol", "PROTOCOL"), ("endpoint", "ENDPOINT"), ("status", "STATUS")]
SUBSCRIPTION_COLUMNS += [("monitors", "MONITORS"), ("tags", "TAGS"), ("events", "EVENTS")]


def subscription_path(subscription_id: str) -> str:
    return f"/api/v1/subscriptions/{quote(subscription_id, safe='')}"


@click.group(help="who receives which alerts (SNS subscriptions)")
@global_options
def subscriptions() -> None:
    pass


@subscriptions.command(help="subscribe an endpoint, optionally filtered")
@click.option("--protocol", required=True, type=click.Choice(PROTOCOLS))
@click.option("--endpoint", required=True, help="address, phone number, URL, ARN, routing key or bot token")
@click.option("--chat-id", help="telegram: the chat (a number, or @channel)")
@click.option("--url", help="pagerduty, opsgenie, telegram: the service's API, when not its default")
@click.option("--template", help="webhook: the body, with $NAME, $STATUS, $TAGS, $LAST_PING, $BODY, ...")
@click.option("--content-type", help="webhook: the body's media type (default application/json)")
@click.option("--monitor", multiple=True, help="repeatable: only these monitors (id, slug or name)")
@click.option("--tag", multiple=True, help="repeatable: only monitors with any of these tags")
@click.option("--event", multiple=True, type=click.Choice(EVENTS), help="repeatable: only these events")
@global_options
@pass_session
def add(
    session: Session, protocol: str, endpoint: str, monitor: tuple[str, ...], tag: tuple[str, ...],
    event: tuple[str, ...], **target: str | None,
) -> str:  # fmt: skip
    body: dict[str, Any] = {
        "protocol": protocol,
        "endpoint": endpoint,
        "filter": {"monitors": [monitor_id(session.api, m) for m in monitor], "tags": list(tag), "events": list(event)},
    }
    for option, field in TARGET_FIELDS:
        if target[option] is not None:
            body[field] = target[option]
    result = session.api.call("POST", "/api/v1/subscriptions", body)
    if session.as_json:
        return json.dumps(result, indent=2)
    note = "; confirm it from the message SNS sends" if result["status"] != "confirmed" else ""
    return f"subscribed {result['endpoint']} ({result['status']}{note}) id {result['id']}"


@subscriptions.command("list", help="subscriptions, with their filters and confirmation status")
@global_options
@pass_session
def list_subscriptions(session: Session) -> str:
    listing = session.api.call("GET", "/api/v1/subscriptions")
    if session.as_json:
        return json.dumps(listing, indent=2)
    rows = [
        {**s, "monitors": s["filter"]["monitors"], "tags": s["filter"]["tags"], "events": s["filter"]["events"]}
        for s in listing["items"]
    ]
    return table(rows, SUBSCRIPTION_COLUMNS)


@subscriptions.command(help="unsubscribe by id")
@click.argument("subscription_id", metavar="ID")
@global_options
@pass_session
def remove(session: Session, subscription_id: str) -> str:
    session.api.call("DELETE", subscription_path(subscription_id))
    return json.dumps({"removed": subscription_id}) if session.as_json else f"removed {subscription_id}"


@subscriptions.command(help="send a test alert to this subscription alone")
@click.argument("subscription_id", metavar="ID")
@global_options
@pass_session
def test(session: Session, subscription_id: str) -> str:
    sent = session.api.call("POST", f"{subscription_path(subscription_id)}/test")
    if session.as_json:
        return json.dumps(sent)
    return f"test alert sent to {subscription_id} ({sent['messageId']})"
