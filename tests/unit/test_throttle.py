"""The local stack's throttling follows template.yaml's route settings, as API Gateway would."""

from __future__ import annotations

from heartbeat.domain.ratelimit import TokenBucket
from heartbeat_local.template import Template
from heartbeat_local.throttle import Throttle


def test_a_bucket_takes_its_burst_then_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.1  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 100  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 3


def test_ping_and_management_routes_have_their_own_limits(template: Template) -> None:
    limits = template.throttles()
    assert limits["ANY /api/v1/heartbeat/{token}"] == (10000.0, 5000)
    assert limits["ANY /ping/{token}/{slug}/{action}"] == (10000.0, 5000)
    assert limits["GET /api/v1/monitors"] == (20.0, 40)
    assert limits["ANY /api/v3/{proxy+}"] == (200.0, 500)
    assert {r.route_key for r in template.routes()} == set(limits)


def test_one_route_past_its_limit_does_not_throttle_another() -> None:
    now = [0.0]
    throttle = Throttle({"GET /a": (1, 1), "GET /b": (1, 1)}, clock=lambda: now[0])
    assert throttle.allows("GET /a") and not throttle.allows("GET /a")
    assert throttle.allows("GET /b")


def test_every_ping_route_takes_the_accounts_default_burst_and_rate(template: Template) -> None:
    """Issue 14: a top-of-the-hour burst of 5,000 pings in one second on one route, 10,000/s sustained."""
    ping_routes = {r.route_key for r in template.routes() if r.function == "PingFunction"}
    assert len(ping_routes) == 7  # five, and two more for a trailing slash
    for key in ping_routes:
        rate, burst = template.throttles()[key]
        assert rate >= 10_000 and burst >= 5_000, key


def test_the_ping_function_holds_each_monitor_to_the_templates_limit(template: Template) -> None:
    env = template.resources["PingFunction"]["Properties"]["Environment"]["Variables"]
    assert env["MONITOR_PING_RATE_LIMIT"] == {"Ref": "MonitorPingRateLimit"}
    assert env["MONITOR_PING_BURST_LIMIT"] == {"Ref": "MonitorPingBurstLimit"}
    assert template.parameter_default("MonitorPingRateLimit") == "10"
    assert template.parameter_default("MonitorPingBurstLimit") == "50"


def test_a_terraform_refresh_of_500_checks_meets_no_429(template: Template) -> None:
    """Issue 30: the Healthchecks Terraform provider (kristofferahl/healthchecksio, resource_check.go's
    read) lists every check to refresh one, and retries nothing: a plan over 500 checks is 500
    listings, Terraform running 10 at a time. On the local stack's own throttle: each version's
    route takes the 500 all at once; and, at 10 in flight taking 50 ms each (200 a second), the
    plan, an apply (a create and a listing per check) and the next plan, one after the other."""
    now = [0.0]
    for version in (1, 2, 3):
        throttle = Throttle(template.throttles(), clock=lambda: now[0])
        key = f"ANY /api/v{version}/{{proxy+}}"
        assert all(throttle.allows(key) for _ in range(500)), version
        now[0] += 60
        for _ in range(500 + 2 * 500 + 500):
            now[0] += 0.005
            assert throttle.allows(key), version
