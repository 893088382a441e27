"""Links Heartbeat hands out point at the deployment itself, with no URL set by hand: the custom
domain when there is one, else the API's own URL, which the stack writes to an SSM parameter."""

from __future__ import annotations

import boto3
import pytest

from heartbeat.adapters.ssm import public_url
from heartbeat_local.targetserver import TargetServer
from tests.harness import Stack

OWN_URL = "https://local.execute-api.us-east-1.amazonaws.com"  # the parameter's value, HttpApi's id "local"
DOMAIN = "https://heartbeat.example.com"


def incident_link(stack: Stack, target: TargetServer) -> tuple[dict, str]:
    reply = stack.request(
        "POST",
        "/api/v1/subscriptions",
        {"protocol": "webhook", "endpoint": f"{target.url}/hook", "template": "$INCIDENT_URL"},
    )
    assert reply.status == 201, reply.body
    monitor = stack.create_monitor()
    assert stack.ping(monitor["token"], "/fail").status == 200
    [down] = target.received
    return monitor, down.body.decode()


def test_alert_links_come_from_the_stack_s_own_parameter(stack: Stack, target: TargetServer) -> None:
    monitor, link = incident_link(stack, target)
    assert link == f"{OWN_URL}/#monitor/{monitor['id']}"  # the monitor's page on the dashboard
    # Without a custom domain, ping URLs name the host the caller used.
    assert monitor["pingUrl"] == f"https://api.example.com/api/v1/heartbeat/{monitor['token']}"


def test_with_a_custom_domain_every_link_uses_it(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", DOMAIN)  # what the template sets when DomainName is given
    stack.modules["ApiFunction"] = stack.load("ApiFunction")
    monitor = stack.create_monitor()
    assert monitor["pingUrl"] == f"{DOMAIN}/api/v1/heartbeat/{monitor['token']}"
    shown = stack.request("GET", f"/api/v1/monitors/{monitor['id']}").json()
    assert shown["pingUrl"] == monitor["pingUrl"]
    ping_key = stack.request("GET", "/api/v1/ping-key").json()
    assert all(v.startswith(DOMAIN) for k, v in ping_key.items() if k.endswith("Url") or k.endswith("Prefix"))
    assert stack.load("NotifierFunction").deps.links() == DOMAIN


def test_an_unreadable_parameter_costs_the_link_not_the_alert_and_is_read_again(
    stack: Stack, target: TargetServer
) -> None:
    missing = "/heartbeat/no-such-stack/public-url"
    ssm = boto3.client("ssm")
    stack.modules["NotifierFunction"].deps.notifier._public_url = public_url("", ssm, missing)  # as at a cold start
    monitor, link = incident_link(stack, target)
    assert link == ""  # the alert went out, without its link
    # The parameter readable now (SSM recovered): the next alert has its link, from then on.
    ssm.put_parameter(Name=missing, Value=DOMAIN, Type="String")
    assert stack.ping(monitor["token"]).status == 200
    assert target.received[-1].body.decode() == f"{DOMAIN}/#monitor/{monitor['id']}"
