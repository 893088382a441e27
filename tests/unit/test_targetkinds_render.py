"""Every target kind renders every alert for a person: down for each cause, a reminder, the recovery
and a test, in the email's words (the cause, the times in the monitor's zone), the failing body in a
code block, the monitor's page as the title's link, within each service's limits, escaped for its
markup. The examples are docs/alerts' (heartbeat_local.alertdocs), made as the handlers make them."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from typing import Any

import pytest

from heartbeat.domain.alerts import down_alert
from heartbeat.domain.alertwords import cause_words, incident_url
from heartbeat.domain.model import Alert, Cause, PingKind
from heartbeat.domain.targetkinds import KINDS, render
from heartbeat.domain.targets import AlertMessage, Target
from heartbeat_local.alertdocs import BASE, EXAMPLES, _down_exit_status, backup, ping

MONITOR = "3f2a9c1e8b7d4f60a1c2e3d4b5a69788"
HOSTILE = "_*[]()~>#+-=|{}.!<&`"


def target(kind: str) -> Target:
    endpoint = {"pagerduty": "R0UT1NGKEY0123456789abcdefABCDEF", "opsgenie": "eb243592-faa2-4ba2-a551-1afdf565c889",
                "telegram": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}  # fmt: skip
    return Target("t1", kind, endpoint.get(kind, "https://hooks.example.com/x"), chat_id="-100123")


def message(alert: Alert, **doc: Any) -> AlertMessage:
    parsed = AlertMessage.parse(alert.message, alert.subject)
    return dataclasses.replace(parsed, doc={**parsed.doc, **doc}, facts=alert.facts)


def sent(kind: str, alert: AlertMessage) -> dict[str, Any]:
    return dict(json.loads(render(target(kind), alert, BASE).body))


def words(kind: str, payload: dict[str, Any]) -> str:
    """Every string a person may read in the payload, in one text."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(payload)
    return "\n".join(found).replace("\\", "")  # Discord's escapes


CHAT = [k for k in KINDS if k != "webhook"]
DOWNS = [name for name in EXAMPLES if name.startswith("down")]


@pytest.mark.parametrize("kind", CHAT)
@pytest.mark.parametrize("example", DOWNS)
def test_a_down_alert_says_its_cause_in_words_and_links_the_monitor(kind: str, example: str) -> None:
    alert = EXAMPLES[example][1]()
    assert alert.facts is not None
    payload = sent(kind, message(alert))
    said = words(kind, payload)
    assert cause_words(alert.facts) in said
    assert "is DOWN" in said and ("EET" in said or "UTC" in said)  # times in the monitor's zone, named
    assert incident_url(BASE, alert.facts.monitor_id) in said
    assert "cause: " not in said.lower() and "Z\n" not in said  # no raw codes, no ISO times


@pytest.mark.parametrize("kind", CHAT)
def test_a_reminder_keeps_the_cause_and_says_how_long(kind: str) -> None:
    said = words(kind, sent(kind, message(EXAMPLES["reminder"][1]())))
    assert "STILL DOWN, for 2 h 5 min" in said and "exit status 1" in said
    assert "OSError: [Errno 28] No space left on device" in said  # the body's last line


@pytest.mark.parametrize("kind", [k for k in CHAT if k != "pagerduty"])  # PagerDuty's resolve carries no words
def test_a_recovery_says_how_long_it_was_down(kind: str) -> None:
    said = words(kind, sent(kind, message(EXAMPLES["up"][1]())))
    assert "UP again, after 2 h 8 min down" in said and "Traceback" not in said


@pytest.mark.parametrize("kind", CHAT)
def test_a_test_alert_says_it_is_one(kind: str) -> None:
    doc = {"version": "1", "alertId": "test:s1:1795564800000", "event": "monitor.test",
           "monitor": {"id": "test", "name": "Heartbeat test alert", "tags": []},
           "incident": {"id": "test", "cause": "test"}, "lastPingAt": None}  # fmt: skip
    said = words(kind, sent(kind, AlertMessage.parse(json.dumps(doc), "TEST: Heartbeat alert")))
    assert "test alert" in said.lower() and f"{BASE}/" in said


def test_the_body_is_a_code_block_in_every_markup() -> None:
    alert = message(_down_exit_status())
    last = "OSError: [Errno 28] No space left on device: '/var/backups/main-2026-11-25.dump'"
    slack = sent("slack", alert)["blocks"]
    assert any(b["type"] == "section" and b["text"]["text"].startswith("```\nTraceback") for b in slack)
    assert "```\nTraceback" in sent("discord", alert)["embeds"][0]["description"]
    assert "<pre>Traceback (most recent call last):\n" in sent("telegram", alert)["text"]
    teams = sent("teams", alert)["attachments"][0]["content"]["body"][-1]["items"]
    assert teams[0] == {"type": "TextBlock", "text": "Traceback (most recent call last):", "wrap": True,
                        "fontType": "Monospace", "size": "Small", "spacing": "None"}  # fmt: skip
    assert teams[-1]["text"] == last and len(teams) == 13  # 8 first lines, what is cut, 4 last: a line each
    assert sent("pagerduty", alert)["payload"]["custom_details"]["Output"].endswith(last)
    assert last in sent("opsgenie", alert)["description"]


def test_the_links_the_alert_carries_become_buttons_and_variables() -> None:
    ack, snooze = f"{BASE}/alert-action/ack-token", f"{BASE}/alert-action/snooze-token"
    alert = message(
        _down_exit_status(), links={"monitor": f"{BASE}/#monitor/{MONITOR}", "acknowledge": ack, "snooze1h": snooze}
    )
    buttons = sent("slack", alert)["blocks"][-1]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Open Nightly Backup", f"{BASE}/#monitor/{MONITOR}"),
        ("Acknowledge", ack),
        ("Snooze 1 h", snooze),
    ]
    assert [a["title"] for a in sent("teams", alert)["attachments"][0]["content"]["actions"]] == [
        "Open Nightly Backup",
        "Acknowledge",
        "Snooze 1 h",
    ]
    assert sent("pagerduty", alert)["client_url"] == f"{BASE}/#monitor/{MONITOR}"
    values = alert.variables(BASE)
    assert (values["MONITOR_URL"], values["ACK_URL"], values["SNOOZE_URL"]) == (
        f"{BASE}/#monitor/{MONITOR}",
        ack,
        snooze,
    )


def huge() -> AlertMessage:
    """A 200-character name and a body of 5,000 lines of 300 characters, every one of them markup."""
    name = (HOSTILE * 10)[:200]
    body = "\n".join(f"{i} {HOSTILE * 15}" for i in range(5000)).encode()
    alert = down_alert(backup(name=name), 1, Cause.EXIT_STATUS, 1, ping(PingKind.FAIL, body, exit_status=1))
    return message(alert)


def test_every_kind_keeps_to_its_service_s_limits() -> None:
    alert = huge()
    slack = sent("slack", alert)
    assert len(slack["text"]) <= 40_000
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"] if b["type"] == "section")
    embed = sent("discord", alert)["embeds"][0]
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert (
        len(embed["title"]) + len(embed["description"]) + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
        <= 6000
    )
    assert "more lines not shown]" in embed["description"] or "lines not shown" in embed["description"]
    assert len(sent("telegram", alert)["text"]) <= 4096
    assert len(render(target("teams"), alert, BASE).body) <= 28_000
    assert len(sent("pagerduty", alert)["payload"]["summary"]) <= 1024
    opsgenie = sent("opsgenie", alert)
    assert len(opsgenie["message"]) <= 130 and len(opsgenie["description"]) <= 15_000


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_telegram_escapes_every_special_character() -> None:
    """HTML parse mode: the name and the body add no markup and read as they are."""
    text = sent("telegram", huge())["text"]
    parsed = _Tags()
    parsed.feed(text)
    assert set(parsed.tags) <= {"b", "a", "i", "pre"}
    read = "".join(parsed.text)
    assert (HOSTILE * 10)[:200] + " is DOWN" in read and f"0 {HOSTILE * 15}"[:150] in read


def test_slack_escapes_what_its_markup_would_take() -> None:
    """`<!channel>` in a name pings no one: <, > and & are entities, outside the link syntax."""
    alert = message(down_alert(backup(name="<!channel> & co"), 1, Cause.FAILED, 1, ping(PingKind.FAIL, b"a <b> & c")))
    slack = sent("slack", alert)
    # Buttons' plain_text is never markup; the text and every mrkdwn block are escaped.
    payload = json.dumps([slack["text"], *(b for b in slack["blocks"] if b["type"] != "actions")])
    assert "<!channel>" not in payload and "&lt;!channel&gt; &amp; co" in payload and "a &lt;b&gt; &amp; c" in payload


def test_discord_escapes_markdown_and_mentions_no_one() -> None:
    alert = message(down_alert(backup(name="@everyone *bold* _it_"), 1, Cause.FAILED, 1))
    payload = sent("discord", alert)
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["embeds"][0]["title"] == "@everyone *bold* _it_ is DOWN"
