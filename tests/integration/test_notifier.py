"""Chat and incident targets end to end: a subscription through the API, a monitor that goes down
and comes back, SNS (moto, with its filter policies) invoking the notifier, and a local HTTP
server in place of each service, which checks the exact payload."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from heartbeat.domain.alertwords import incident_url
from heartbeat.domain.targetkinds.common import ACTIONS
from heartbeat_local.targetserver import Answer, Received, TargetServer
from tests.harness import Stack

SUBS = "/api/v1/subscriptions"
OWN_URL = "https://local.execute-api.us-east-1.amazonaws.com"  # the stack's SSM parameter, as in test_public_url
T = 1_795_572_000_000  # 2026-11-25T02:00:00Z
# What the outage below says, in the monitor's zone (UTC) and relative to each alert.
DOWN_ROWS = [
    ("Why", "no ping for 1 min + 30 s grace"),
    ("Down since", "Wed 25 Nov 2026 02:01 UTC (10 s ago)"),
    ("Schedule", "every minute, grace 30 s"),
    ("Last ping", "Wed 25 Nov 2026 02:00 UTC (1 min 40 s ago): success"),
    ("Tags", "infrastructure"),
]
UP_ROWS = [
    ("Down", "from Wed 25 Nov 2026 02:01 UTC to 02:02 UTC"),
    ("Schedule", "every minute, grace 30 s"),
    ("Last ping", "Wed 25 Nov 2026 02:02 UTC (just now): success, GET from 198.51.100.7"),
    ("Tags", "infrastructure"),
]
DOWN_SUMMARY = "Nightly Backup is DOWN: no ping for 1 min + 30 s grace."
UP_SUMMARY = "Nightly Backup is UP again, after 30 s down."
PD_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
GENIE_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"
INFRA = "infrastructure"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def subscribe(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    reply = stack.request("POST", SUBS, body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def outage(stack: Stack) -> dict[str, Any]:
    """Nightly Backup pings at T, misses its deadline (T + 90 s), and pings again at T + 120 s."""
    stack.clock.now = T
    monitor = stack.create_monitor("Nightly Backup", interval=60, grace=30, tags=["infrastructure"])
    assert stack.ping(monitor["token"]).status == 200
    stack.clock.advance(100)
    stack.sweep()
    stack.clock.advance(20)
    assert stack.ping(monitor["token"]).status == 200
    return monitor


def page(monitor: dict[str, Any]) -> str:
    """The link an alert carries to the monitor's page."""
    return incident_url(OWN_URL, monitor["id"])


def actions(stack: Stack) -> list[tuple[str, str]]:
    """The signed one-click links the outage's down alert carries, as the buttons label them (the
    recovery carries none): read from the alert document a queue subscriber got."""
    [down] = [a for a in stack.alerts() if a["event"] == "monitor.down"]
    return [(label, down["links"][name]) for name, label in ACTIONS]


def only(received: list[Received], count: int) -> list[Received]:
    assert len(received) == count, [r.body for r in received]
    return received


def slack_rows(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"*{label}:* {value}" for label, value in rows)


def test_slack_gets_block_kit_with_one_sentence_as_its_text(stack: Stack, target: TargetServer) -> None:
    sub = subscribe(stack, {"protocol": "slack", "endpoint": f"{target.url}/services/T0/B1/XYZ"})
    assert sub["protocol"] == "slack" and sub["endpoint"] == f"{target.url}/…"  # the secret path is hidden
    monitor = outage(stack)
    down, up = only(target.received, 2)
    assert down.path == "/services/T0/B1/XYZ"
    assert down.headers["content-type"] == "application/json"
    assert down.headers["x-heartbeat-alert-id"] == f"{monitor['id']}:1795572090000:monitor.down"
    button = {"type": "button", "text": {"type": "plain_text", "text": "Open Nightly Backup"}, "url": page(monitor)}
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url} for label, url in actions(stack)
    ]
    assert down.json() == {
        "text": DOWN_SUMMARY,
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":red_circle: *<{page(monitor)}|Nightly Backup is DOWN>*"},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_rows(DOWN_ROWS)}},
            {"type": "actions", "elements": [button, *buttons]},
        ],
    }
    title = f":large_green_circle: *<{page(monitor)}|Nightly Backup is UP again, after 30 s down>*"
    assert up.json() == {
        "text": UP_SUMMARY,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": title}},
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_rows(UP_ROWS)}},
            {"type": "actions", "elements": [button]},
        ],
    }


def test_discord_gets_an_embed_that_mentions_no_one(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "discord", "endpoint": f"{target.url}/api/webhooks/1/abc"})
    monitor = outage(stack)
    down, _ = only(target.received, 2)
    links = [("Open Nightly Backup", page(monitor)), *actions(stack)]
    assert down.json() == {
        "embeds": [
            {
                "title": "Nightly Backup is DOWN",
                "color": 0xD1242F,
                "fields": [{"name": label, "value": value, "inline": False} for label, value in DOWN_ROWS],
                "description": " · ".join(f"[{label}]({url})" for label, url in links),
                "url": page(monitor),
                "timestamp": "2026-11-25T02:01:40+00:00",
            }
        ],
        "allowed_mentions": {"parse": []},
    }


def test_teams_gets_an_adaptive_card_with_a_fact_a_line(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "teams", "endpoint": f"{target.url}/workflows/1"})
    monitor = outage(stack)
    down, _ = only(target.received, 2)
    card = down.json()["attachments"][0]
    assert down.json()["type"] == "message" and card["contentType"] == "application/vnd.microsoft.card.adaptive"
    title = {"type": "TextBlock", "text": "Nightly Backup is DOWN", "wrap": True, "size": "Large", "weight": "Bolder"}
    assert card["content"]["body"] == [
        {
            "type": "Container",
            "items": [{**title, "color": "Attention"}],
            "selectAction": {"type": "Action.OpenUrl", "url": page(monitor)},
        },
        {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in DOWN_ROWS]},
    ]
    links = [("Open Nightly Backup", page(monitor)), *actions(stack)]
    assert card["content"]["actions"] == [{"type": "Action.OpenUrl", "title": t, "url": u} for t, u in links]


def test_telegram_gets_send_message_for_its_chat(stack: Stack, target: TargetServer) -> None:
    sub = subscribe(stack, {"protocol": "telegram", "endpoint": BOT_TOKEN, "chatId": "-100123", "url": target.url})
    assert sub["endpoint"] == "1234…"  # the bot token is a secret
    monitor = outage(stack)
    down, _ = only(target.received, 2)
    assert down.path == f"/bot{BOT_TOKEN}/sendMessage"
    rows = "\n".join(f"<b>{label}:</b> {value}" for label, value in DOWN_ROWS)
    link = f'<a href="{page(monitor)}">'
    buttons = " · ".join(f'<a href="{url}">{label}</a>' for label, url in actions(stack))
    assert down.json() == {
        "chat_id": "-100123",
        "text": f"<b>{link}Nightly Backup is DOWN</a></b>\n{rows}\n\n{link}Open Nightly Backup</a> · {buttons}",
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }


def test_pagerduty_triggers_then_resolves_the_same_incident(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "pagerduty", "endpoint": PD_KEY, "url": f"{target.url}/v2/enqueue"})
    monitor = outage(stack)
    trigger, resolve = only(target.received, 2)
    dedup = f"heartbeat:{monitor['id']}:1795572090000"
    assert trigger.json() == {
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": {
            "summary": DOWN_SUMMARY,
            "source": "heartbeat",
            "severity": "critical",
            "component": "Nightly Backup",
            "custom_details": {**dict(DOWN_ROWS), "alertId": f"{monitor['id']}:1795572090000:monitor.down"},
        },
        "client": "Heartbeat",
        "client_url": page(monitor),
        "links": [
            {"href": url, "text": text} for text, url in [("Open Nightly Backup", page(monitor)), *actions(stack)]
        ],
    }
    # The same dedup key: the page closes itself.
    assert resolve.json() == {"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": dedup}


def test_opsgenie_creates_then_closes_by_alias(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "opsgenie", "endpoint": GENIE_KEY, "url": target.url})
    monitor = outage(stack)
    create, close = only(target.received, 2)
    alias = f"heartbeat:{monitor['id']}:1795572090000"
    assert create.path == "/v2/alerts" and create.headers["authorization"] == f"GenieKey {GENIE_KEY}"
    rows = "\n".join(f"{label}: {value}" for label, value in DOWN_ROWS)
    links = actions(stack)
    assert create.json() == {
        "message": DOWN_SUMMARY,
        "alias": alias,
        "description": f"{rows}\n\nOpen Nightly Backup: {page(monitor)}\n" + "\n".join(f"{t}: {u}" for t, u in links),
        "tags": ["infrastructure"],
        "entity": "Nightly Backup",
        "source": "heartbeat",
        "priority": "P1",
        "details": {
            "alertId": f"{monitor['id']}:1795572090000:monitor.down",
            "monitorId": monitor["id"],
            "monitorUrl": page(monitor),
            **dict(links),
        },
    }
    assert close.path == f"/v2/alerts/heartbeat%3A{monitor['id']}%3A1795572090000/close?identifierType=alias"
    assert close.json() == {"source": "heartbeat", "note": UP_SUMMARY}


def test_a_webhook_template_fills_its_variables_as_json(stack: Stack, target: TargetServer) -> None:
    template = '{"text": "$NAME is $STATUS ($CAUSE) since $SINCE; last ping $LAST_PING; tags $TAGS", "id": "$ALERT_ID"}'
    subscribe(stack, {"protocol": "webhook", "endpoint": f"{target.url}/hook", "template": template})
    monitor = outage(stack)
    down, up = only(target.received, 2)
    assert down.json() == {
        "text": "Nightly Backup is down (no ping for 1 min + 30 s grace) since Wed 25 Nov 2026 02:01 UTC; "
        "last ping 2026-11-25T02:00:00.000Z; tags infrastructure",
        "id": f"{monitor['id']}:1795572090000:monitor.down",
    }
    assert up.json()["text"] == (
        "Nightly Backup is up () since Wed 25 Nov 2026 02:02 UTC; "
        "last ping 2026-11-25T02:02:00.000Z; tags infrastructure"
    )


def test_a_webhook_template_says_how_long_and_links_the_monitor(stack: Stack, target: TargetServer) -> None:
    template = "$STATUS|$DOWNTIME|$DOWNTIME_SECONDS|$MONITOR_URL|$ACK_URL|$SNOOZE_URL|$SUMMARY"
    subscribe(
        stack,
        {"protocol": "webhook", "endpoint": f"{target.url}/hook", "template": template, "contentType": "text/plain"},
    )
    monitor = outage(stack)
    down, up = only(target.received, 2)
    # The down alert's acknowledge and snooze (1 h) links; a recovery carries none: empty.
    ack, snooze = (url for _, url in actions(stack)[:2])
    assert down.body.decode() == f"down|10 s|10|{page(monitor)}|{ack}|{snooze}|{DOWN_SUMMARY}"  # down so far
    assert up.body.decode() == f"up|30 s|30|{page(monitor)}|||{UP_SUMMARY}"


def test_a_webhook_without_template_gets_the_alert_document(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "webhook", "endpoint": f"{target.url}/hook"})
    monitor = outage(stack)
    down, _ = only(target.received, 2)
    document = down.json()
    links = document.pop("links")
    own = "https://local.execute-api.us-east-1.amazonaws.com"
    assert links["monitor"] == f"{own}/#monitor/{monitor['id']}"
    assert links["api"] == f"{own}/api/v1/monitors/{monitor['id']}/incidents"
    assert all(links[a].startswith(f"{own}/alert-action/") for a in ("acknowledge", "snooze1h", "snooze4h"))
    assert document == {
        "version": "1",
        "alertId": f"{monitor['id']}:1795572090000:monitor.down",
        "event": "monitor.down",
        "monitor": {"id": monitor["id"], "name": "Nightly Backup", "tags": ["infrastructure"]},
        "incident": {
            "id": "1795572090000",
            "cause": "missed",
            "openedAt": "2026-11-25T02:01:30.000Z",
            "missedDeadline": "2026-11-25T02:01:30.000Z",
        },
        "lastPingAt": "2026-11-25T02:00:00.000Z",
    }


def test_a_failing_job_s_output_reaches_the_target_as_body(stack: Stack, target: TargetServer) -> None:
    subscribe(stack, {"protocol": "webhook", "endpoint": f"{target.url}/hook", "template": "$STATUS: $BODY"})
    monitor = stack.create_monitor("Nightly Backup")
    assert stack.ping(monitor["token"], "/fail", method="POST", body="pg_dump: connection refused").status == 200
    [down] = only(target.received, 1)
    assert down.body == b"down: pg_dump: connection refused"


def test_a_form_template_s_values_are_urlencoded_so_a_body_cannot_add_fields(
    stack: Stack, target: TargetServer
) -> None:
    """Issue 26: whoever holds a ping token writes $BODY; in a form it must stay one field's value."""
    form = "application/x-www-form-urlencoded"
    template = "status=$STATUS&name=$NAME&output=$BODY"
    subscribe(
        stack, {"protocol": "webhook", "endpoint": f"{target.url}/hook", "template": template, "contentType": form}
    )
    monitor = stack.create_monitor("Backup & Restore")
    assert stack.ping(monitor["token"], "/fail", method="POST", body="&status=up&evil=1").status == 200
    [down] = only(target.received, 1)
    assert down.headers["content-type"] == form
    assert parse_qs(down.body.decode(), strict_parsing=True) == {
        "status": ["down"],
        "name": ["Backup & Restore"],
        "output": ["&status=up&evil=1"],
    }


def test_a_user_gets_slack_and_pagerduty_and_an_email_filtered_by_tag(stack: Stack, target: TargetServer) -> None:
    """The issue's scenario: each target receives exactly the messages it asked for."""
    subscribe(stack, {"protocol": "slack", "endpoint": f"{target.url}/slack"})
    subscribe(
        stack,
        {
            "protocol": "pagerduty",
            "endpoint": PD_KEY,
            "url": f"{target.url}/pd",
            "filter": {"tags": ["infrastructure"]},
        },
    )
    subscribe(stack, {"protocol": "email", "endpoint": "ops@example.com", "filter": {"tags": ["infrastructure"]}})
    stack.clock.now = T
    reports = stack.create_monitor("Reports", interval=60, grace=30, tags=["reporting"])
    assert stack.ping(reports["token"]).status == 200
    backup = outage(stack)  # down at T + 100 s (both), Nightly Backup up at T + 120 s
    by_path: dict[str, list[str]] = {}
    for r in target.received:
        by_path.setdefault(r.path, []).append(r.headers["x-heartbeat-alert-id"])
    assert sorted(by_path["/slack"]) == sorted(
        [
            f"{backup['id']}:1795572090000:monitor.down",
            f"{backup['id']}:1795572090000:monitor.up",
            f"{reports['id']}:1795572090000:monitor.down",
        ]
    )
    assert by_path["/pd"] == [f"{backup['id']}:1795572090000:monitor.down", f"{backup['id']}:1795572090000:monitor.up"]
    listed = {s["protocol"]: s for s in stack.request("GET", SUBS).json()["items"]}
    assert listed["email"]["filter"]["tags"] == ["infrastructure"] and listed["email"]["status"] == "confirmed"
    assert listed["pagerduty"]["endpoint"] == "R0UT…"


def test_removing_a_target_removes_its_secret_and_its_deliveries(stack: Stack, target: TargetServer) -> None:
    sub = subscribe(stack, {"protocol": "slack", "endpoint": f"{target.url}/slack"})
    assert stack.request("DELETE", f"{SUBS}/{sub['id']}").status == 204
    assert stack.store.targets.all() == []  # its secret is gone with it
    outage(stack)
    assert target.received == []


def test_a_test_alert_reaches_one_subscription_only(stack: Stack, target: TargetServer) -> None:
    one = subscribe(
        stack, {"protocol": "slack", "endpoint": f"{target.url}/one", "filter": {"events": ["monitor.down"]}}
    )
    subscribe(stack, {"protocol": "slack", "endpoint": f"{target.url}/two"})
    queue = stack.sqs.create_queue(QueueName="other")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscribe(stack, {"protocol": "sqs", "endpoint": arn})
    reply = stack.request("POST", f"{SUBS}/{one['id']}/test")
    assert reply.status == 202 and reply.json()["messageId"]
    [test] = only(target.received, 1)
    assert test.path == "/one" and test.json()["text"].startswith("This is a test alert from Heartbeat")
    assert "Messages" not in stack.sqs.receive_message(QueueUrl=queue)  # nor any other subscription
    # An SNS subscription is tested the same way: its queue, and no target, gets this one.
    [sqs_sub] = [s for s in stack.request("GET", SUBS).json()["items"] if s["endpoint"] == arn]
    assert stack.request("POST", f"{SUBS}/{sqs_sub['id']}/test").status == 202
    [message] = stack.sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(json.loads(message["Body"])["Message"])["event"] == "monitor.test"
    assert len(target.received) == 1
    assert stack.request("POST", f"{SUBS}/0b9f3c1e-34b8-4a51-9c71-5f0c1d2e3f4a/test").status == 404


def test_no_target_secret_appears_in_logs(stack: Stack, target: TargetServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    subscribe(stack, {"protocol": "pagerduty", "endpoint": PD_KEY, "url": f"{target.url}/v2/enqueue"})
    target.script = [Answer(400)] * 2  # fails for good: logged as an error
    outage(stack)
    # Every record whole, with the fields Powertools adds (target id, error, ...).
    logged = "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert "dead-lettered" in logged and "HTTP 400" in logged
    assert PD_KEY not in logged and "/v2/enqueue" not in logged
