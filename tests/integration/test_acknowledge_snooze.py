"""Acknowledge and snooze (issue 28, item 4) over moto: through the API and through an alert's signed
links; an acknowledged incident gets no reminders; a snooze holds one alert and sends it at its end
only if the monitor is still down; and the races (acknowledge against a recovery, snoozes at once)
as real concurrent requests."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from heartbeat.store.codec import monitor_key
from tests.harness import Request, Stack

HOUR = 3600


def events(stack: Stack) -> list[str]:
    return [a["event"] for a in stack.alerts()]


def down_monitor(stack: Stack, realert: int | None = 600) -> dict:
    """A monitor that has just gone down (missed its deadline), its down alert taken from the queue."""
    config = {"realertInterval": realert} if realert else {}
    m = stack.create_monitor(interval=60, grace=30, config_extra=config)
    stack.ping(m["token"])
    stack.clock.advance(90)
    stack.sweep()
    return m


def path(url: str) -> str:
    return urlparse(url).path


# ---- acknowledge ------------------------------------------------------------------------------------


def test_an_acknowledged_incident_gets_no_reminders_until_it_resolves(stack: Stack) -> None:
    m = down_monitor(stack)
    stack.clock.advance(600)
    stack.sweep()
    assert events(stack) == ["monitor.down", "monitor.reminder"]

    reply = stack.request("POST", f"/api/v1/monitors/{m['id']}/acknowledge", {"note": "restoring the dump"})
    assert reply.status == 200, reply.body
    assert reply.json()["acknowledged"]["by"] == "test-admin"
    assert reply.json()["acknowledged"]["note"] == "restoring the dump"
    assert reply.json()["nextReminderAt"] is None
    for _ in range(5):
        stack.clock.advance(600)
        stack.sweep()
    assert events(stack) == []
    [incident] = stack.incidents(m["id"])
    assert incident["acknowledged"]["note"] == "restoring the dump"

    # Recovered, then down again: the new incident is not acknowledged, and reminds.
    stack.ping(m["token"])
    stack.clock.advance(90)
    stack.sweep()
    stack.clock.advance(600)
    stack.sweep()
    assert events(stack) == ["monitor.up", "monitor.down", "monitor.reminder"]
    assert stack.monitor(m["id"])["acknowledged"] is None


def test_a_settings_change_after_an_acknowledgement_does_not_bring_reminders_back(stack: Stack) -> None:
    m = down_monitor(stack)
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/acknowledge").status == 200
    patch = {"config": {"realertInterval": 300}}
    assert stack.request("PATCH", f"/api/v1/monitors/{m['id']}", patch).status == 200
    stack.clock.advance(3600)
    report = stack.sweep()
    assert events(stack) == ["monitor.down"]
    assert stack.store.monitors.get(m["id"]).deadline_ms is None, report


def test_acknowledging_without_an_open_incident_is_409_and_an_unknown_monitor_404(stack: Stack) -> None:
    m = stack.create_monitor()
    stack.ping(m["token"])
    reply = stack.request("POST", f"/api/v1/monitors/{m['id']}/acknowledge")
    assert (reply.status, reply.json()["error"]["code"]) == (409, "not_down")
    assert stack.request("POST", f"/api/v1/monitors/{'0' * 32}/acknowledge").status == 404
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/acknowledge", key=stack.make_key("read")).status == 403
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/acknowledge", {"note": "x" * 501}).status == 422


def test_acknowledge_and_a_recovery_at_once_never_leave_an_up_monitor_unwatched(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30, config_extra={"realertInterval": 600})
    for _ in range(10):
        stack.ping(m["token"], "/fail")
        ack, ping = stack.at_once(
            Request("POST", f"/api/v1/monitors/{m['id']}/acknowledge"),
            Request("GET", f"/api/v1/heartbeat/{m['token']}", key=None),
        )
        assert ping.status == 200 and ack.status in (200, 409), ack.body
        after = stack.store.monitors.get(m["id"])
        assert after.status.value == "up" and after.deadline_ms is not None  # still watched
        incident = stack.incidents(m["id"])[0]
        assert incident["status"] == "resolved"
        assert (incident["acknowledged"] is not None) == (ack.status == 200)
        stack.clock.advance(1)


# ---- snooze -----------------------------------------------------------------------------------------


def test_a_snooze_holds_the_down_alert_and_sends_it_once_at_its_end_while_still_down(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30, config_extra={"realertInterval": 600})
    stack.ping(m["token"])
    reply = stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR})
    assert reply.status == 200 and reply.json()["snoozedUntil"] is not None
    snooze_end = stack.clock.now + HOUR * 1000
    stack.clock.advance(90)
    stack.sweep()
    for _ in range(5):  # reminders fall due during the snooze
        stack.clock.advance(600)
        stack.sweep()
    assert events(stack) == []
    assert stack.monitor(m["id"])["status"] == "down"

    stack.clock.now = snooze_end - 1
    stack.sweep()
    assert events(stack) == []
    stack.clock.now = snooze_end
    stack.sweep()
    assert events(stack) == ["monitor.down"]
    assert stack.monitor(m["id"])["snoozedUntil"] is None
    stack.clock.advance(600)
    stack.sweep()
    assert events(stack) == ["monitor.reminder"]  # reminders again after the snooze


def test_a_snooze_sends_nothing_when_the_monitor_recovered_before_its_end(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR}).status == 200
    stack.ping(m["token"], "/fail")
    stack.clock.advance(30)
    stack.ping(m["token"])
    stack.clock.advance(HOUR)
    stack.ping(m["token"])
    stack.sweep()
    assert events(stack) == []
    assert stack.monitor(m["id"])["status"] == "up"


def test_a_recovery_during_a_snooze_is_sent_when_its_down_alert_was(stack: Stack) -> None:
    """The down alert went out before the snooze (a PagerDuty or Opsgenie incident opened): its
    recovery is sent during the snooze, or that incident would never resolve. The reminders stay held."""
    m = down_monitor(stack)
    assert events(stack) == ["monitor.down"]
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR}).status == 200
    snooze_end = stack.clock.now + HOUR * 1000
    stack.clock.advance(600)
    stack.sweep()
    assert events(stack) == []  # the reminder is held
    stack.ping(m["token"])
    [up] = stack.alerts()
    assert (up["event"], up["incident"]["id"]) == ("monitor.up", stack.incidents(m["id"])[0]["id"])
    stack.clock.now = snooze_end
    stack.ping(m["token"])  # still running: the sweep finds only the held reminder
    stack.sweep()
    assert events(stack) == []  # its outage is over: dropped


def test_a_recovery_whose_down_alert_a_snooze_held_is_never_sent_even_after_the_snooze(stack: Stack) -> None:
    """No "up" without a "down": the held down alert and its recovery go together, also when the
    monitor recovers after the snooze's end but before a sweep has sent the held alert."""
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": 120}).status == 200
    stack.ping(m["token"], "/fail")  # its down alert held
    stack.clock.advance(121)  # the snooze is over; no sweep has run
    stack.ping(m["token"])
    stack.sweep()
    assert events(stack) == []
    assert stack.monitor(m["id"])["status"] == "up"


def test_deleting_the_snooze_sends_the_held_alert_at_once_if_still_down(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR}).status == 200
    stack.ping(m["token"], "/fail")
    stack.ping(m["token"])  # up: the held down alert has nothing left to say
    stack.ping(m["token"], "/2")  # down again: this outage's alert is held instead
    assert events(stack) == []
    reply = stack.request("DELETE", f"/api/v1/monitors/{m['id']}/snooze")
    assert reply.status == 200 and reply.json()["snoozedUntil"] is None
    [alert] = stack.alerts()
    assert (alert["event"], alert["incident"]["cause"]) == ("monitor.down", "exit_status")
    stack.clock.advance(2 * HOUR)
    stack.sweep()
    assert events(stack) == []  # the snooze's old end brings nothing more


def test_an_unsnoozed_monitor_alerts_again_and_unsnoozing_twice_is_harmless(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR}).status == 200
    for _ in range(2):
        assert stack.request("DELETE", f"/api/v1/monitors/{m['id']}/snooze").status == 200
    stack.ping(m["token"], "/fail")
    assert events(stack) == ["monitor.down"]


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": 59},
        {"seconds": 30 * 86400 + 1},
        {"seconds": "3600"},
        {},
        {"seconds": 3600, "until": "2030-01-01T00:00:00Z"},
        {"until": "2030-01-01T00:00:00"},  # no offset: whose 00:00?
        {"until": "2000-01-01T00:00:00Z"},
        {"for": 3600},
    ],
)
def test_a_snooze_out_of_bounds_or_malformed_is_422_and_changes_nothing(stack: Stack, body: dict) -> None:
    m = stack.create_monitor()
    reply = stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", body)
    assert reply.status == 422, reply.body
    assert stack.monitor(m["id"])["snoozedUntil"] is None


def test_a_snooze_until_a_time_ends_then(stack: Stack) -> None:
    m = stack.create_monitor()
    until = stack.clock.now + 2 * HOUR * 1000
    from heartbeat.domain.alerts import iso

    reply = stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"until": iso(until)})
    assert reply.status == 200 and reply.json()["snoozedUntil"] == iso(until)
    assert stack.request("POST", f"/api/v1/monitors/{'0' * 32}/snooze", {"seconds": 60}).status == 404


def test_snoozes_at_once_leave_the_held_alert_due_at_the_snooze_that_won(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR}).status == 200
    stack.ping(m["token"], "/fail")  # held
    for round_ in range(8):
        replies = stack.at_once(
            *(Request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": HOUR * (i + 2)}) for i in range(4))
        )
        assert [r.status for r in replies] == [200] * 4, round_
        item = stack.store.table.get(monitor_key(m["id"]))
        assert item is not None
        until, held = int(item["snooze_until_ms"]["N"]), item["snooze_held_sk"]["S"]
        alert = stack.store.table.get({"pk": item["pk"], "sk": {"S": held}})
        assert alert is not None and int(alert["deadline"]["N"]) == until, round_
    stack.clock.now = until
    stack.sweep()
    assert events(stack) == ["monitor.down"]


@pytest.mark.parametrize("change", ["shorten", "lift"])
def test_a_snooze_changed_while_an_alert_is_being_held_sends_it_at_the_new_end(stack: Stack, change: str) -> None:
    """The snooze and the alert's hold each read the other: whichever writes second must see the first."""
    for round_ in range(8):
        m = stack.create_monitor(interval=60, grace=30)
        stack.ping(m["token"])
        assert stack.request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": 4 * HOUR}).status == 200
        snooze = (
            Request("POST", f"/api/v1/monitors/{m['id']}/snooze", {"seconds": 120})
            if change == "shorten"
            else Request("DELETE", f"/api/v1/monitors/{m['id']}/snooze")
        )
        replies = stack.at_once(snooze, Request("GET", f"/api/v1/heartbeat/{m['token']}/fail", key=None))
        assert [r.status for r in replies] == [200, 200], round_
        stack.clock.advance(120)
        stack.sweep()
        assert events(stack) == ["monitor.down"], round_
        stack.request("DELETE", f"/api/v1/monitors/{m['id']}")


# ---- signed links ----------------------------------------------------------------------------------


def test_an_alerts_acknowledge_link_shows_a_page_and_only_its_post_acts(stack: Stack) -> None:
    m = down_monitor(stack)
    [alert] = stack.alerts()
    link = path(alert["links"]["acknowledge"])
    page = stack.request("GET", link, key=None)
    assert page.status == 200 and b'<form method="post">' in page.body, page.body
    assert "no-referrer" in page.headers["referrer-policy"]
    assert stack.monitor(m["id"])["acknowledged"] is None  # a mail scanner's GET changes nothing

    done = stack.request("POST", link, key=None)
    assert done.status == 200 and b"Acknowledged" in done.body
    assert stack.monitor(m["id"])["acknowledged"]["by"] == "alert link"
    stack.clock.advance(3000)
    stack.sweep()
    assert events(stack) == []

    stack.ping(m["token"])  # resolved: the link expires with its incident
    assert events(stack) == ["monitor.up"]
    assert stack.request("GET", link, key=None).status == 403
    assert stack.request("POST", link, key=None).status == 403


def test_an_alerts_snooze_link_snoozes_its_monitor(stack: Stack) -> None:
    m = down_monitor(stack)
    [alert] = stack.alerts()
    assert set(alert["links"]) >= {"monitor", "api", "acknowledge", "snooze1h", "snooze4h", "snoozeTomorrow"}
    assert alert["links"]["monitor"].endswith(f"/#monitor/{m['id']}")
    assert stack.request("POST", path(alert["links"]["snooze4h"]), key=None).status == 200
    assert stack.monitor(m["id"])["snoozedUntil"] is not None
    stack.clock.advance(3 * HOUR)
    stack.sweep()
    assert events(stack) == []


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(".ack.", ".snooze-4h."),  # another action
        lambda t: t[:33] + str(int(t[33:46]) + 1) + t[46:],  # another incident
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # another signature
        lambda t: t.rsplit(".", 2)[0] + ".9999999999." + t.rsplit(".", 1)[1],  # a later expiry
        lambda t: "garbage",
    ],
)
def test_a_tampered_link_is_a_403_page_and_changes_nothing(stack: Stack, tamper: object) -> None:
    m = down_monitor(stack)
    [alert] = stack.alerts()
    token = path(alert["links"]["acknowledge"]).rsplit("/", 1)[1]
    bad = f"/alert-action/{tamper(token)}"  # type: ignore[operator]
    for method in ("GET", "POST"):
        reply = stack.request(method, bad, key=None)
        assert reply.status == 403 and reply.headers["content-type"].startswith("text/html"), reply.body
    assert stack.monitor(m["id"])["acknowledged"] is None
    assert stack.monitor(m["id"])["snoozedUntil"] is None


def test_a_link_past_its_seven_days_is_refused(stack: Stack) -> None:
    m = down_monitor(stack, realert=None)
    [alert] = stack.alerts()
    stack.clock.advance(7 * 86400)
    reply = stack.request("POST", path(alert["links"]["acknowledge"]), key=None)
    assert reply.status == 403 and b"expired" in reply.body
    assert stack.monitor(m["id"])["acknowledged"] is None
