"""Healthchecks' hc/api/tests/test_ping.py (healthchecks/healthchecks 29b5ec2), test by test, as HTTP
requests to the handlers over moto. The check is made through the API with the model's defaults (a
day's timeout, an hour's grace); what a test set on the model, the API or the pings set here.
Differences the README documents are strict xfails with its reason; what needs a server setting or
a field the API does not show is skipped, saying which."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from tests.harness import Stack
from tests.integration.hc.checks import Check

# The README's reasons (Coming from Healthchecks), in its words.
FORWARDED = (
    "a ping's address is the one API Gateway saw (`sourceIp`); X-Forwarded-For is ignored, as any client can send it"
)
PING_ERRORS = 'ping errors are JSON (`{"error": {"code", "message"}}`), with Healthchecks\' status codes'
DEFAULT_FAIL = "filter_default_fail is true while success keywords are set, as a body with none of them fails"
NO_FILTER_DEFAULT = "a body with no keyword is a success unless success keywords are set (no default ignore)"
HTTP_KEYWORDS = "keywords always judge HTTP ping bodies in Heartbeat"
START_KW = "`start_kw` (no start keywords here) is refused when not empty"
RUNS = "a success ends the started state whichever run it finishes; without a rid it is the last /start's run"
NOT_SHOWN = "Healthchecks' test reads a model field its API does not show"


@pytest.fixture
def check(stack: Stack) -> Check:
    return Check(stack, timeout=86400, grace=3600)


def stored(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def test_it_works(stack: Stack, check: Check) -> None:
    r = check.ping()
    assert r.status == 200
    assert r.body == b"OK"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["ping-body-limit"] == "100000"  # the stack's PingBodyLimit, as PING_BODY_LIMIT

    c = check.get()
    assert c["n_pings"] == 1
    assert c["status"] == "up"
    last_ping = stored(c["last_ping"])
    assert last_ping
    assert stored(c["next_ping"]) == last_ping + timedelta(days=1)  # alert_after less the grace

    ping = check.only_ping()
    assert ping["n"] == 1
    assert ping["scheme"] == "https"  # the harness's requests, as API Gateway's, are https
    assert ping["type"] == "success"
    assert stored(ping["date"]).replace(microsecond=0) == last_ping  # type: ignore[union-attr]


def test_it_changes_status_of_paused_check(check: Check) -> None:
    check.pause()

    r = check.ping()
    assert r.status == 200

    assert check.get()["status"] == "up"


def test_it_clears_last_start(check: Check) -> None:
    assert check.ping("/start").status == 200  # last_start = now()

    r = check.ping()
    assert r.status == 200

    assert check.get()["started"] is False


def test_post_works(check: Check) -> None:
    r = check.ping(method="POST", body="hello world", **{"content-type": "text/plain"})
    assert r.status == 200

    ping = check.only_ping()
    assert ping["method"] == "POST"
    assert check.body(ping) == b"hello world"


def test_head_works(check: Check) -> None:
    r = check.ping(method="HEAD")
    assert r.status == 200
    assert len(check.pings()) == 1


def test_it_handles_bad_uuid(stack: Stack) -> None:
    r = stack.request("GET", "/ping/not-uuid/", key=None)
    assert r.status == 404


def test_it_rejects_alternative_uuid_formats(stack: Stack) -> None:
    # This uuid is missing separators. uuid.UUID() would accept it.
    r = stack.request("GET", "/ping/07c2f54898504b27af5d6c9dc157ec02/", key=None)
    assert r.status == 404


@pytest.mark.xfail(strict=True, reason=PING_ERRORS)
def test_it_handles_missing_check(stack: Stack) -> None:
    r = stack.request("GET", "/ping/07c2f548-9850-4b27-af5d-6c9dc157ec02/", key=None)
    assert r.status == 404
    assert r.body == b"not found"


def test_it_handles_120_char_ua(check: Check) -> None:
    ua = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_4) "
        "AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/44.0.2403.89 Safari/537.36"
    )

    r = check.ping(**{"user-agent": ua})
    assert r.status == 200

    assert check.only_ping()["ua"] == ua


def test_it_truncates_long_ua(check: Check) -> None:
    ua = "01234567890" * 30

    r = check.ping(**{"user-agent": ua})
    assert r.status == 200

    ping = check.only_ping()
    assert len(ping["ua"]) == 200
    assert ua.startswith(ping["ua"])


@pytest.mark.xfail(strict=True, reason=FORWARDED)
def test_it_reads_forwarded_ip(check: Check) -> None:
    r = check.ping(**{"x-forwarded-for": "1.1.1.1"})
    assert r.status == 200
    assert check.only_ping()["remote_addr"] == "1.1.1.1"


@pytest.mark.xfail(strict=True, reason=FORWARDED)
def test_it_reads_forwarded_ipv6_ip(check: Check) -> None:
    r = check.ping(**{"x-forwarded-for": "2001::1"})
    assert r.status == 200
    assert check.only_ping()["remote_addr"] == "2001::1"


@pytest.mark.xfail(strict=True, reason=FORWARDED)
def test_it_reads_first_forwarded_ip(check: Check) -> None:
    r = check.ping(**{"x-forwarded-for": "1.1.1.1, 2.2.2.2"})  # REMOTE_ADDR: the harness's 198.51.100.7
    assert r.status == 200
    assert check.only_ping()["remote_addr"] == "1.1.1.1"


@pytest.mark.xfail(strict=True, reason=FORWARDED)
def test_it_handles_forwarded_ip_plus_port(check: Check) -> None:
    r = check.ping(**{"x-forwarded-for": "1.1.1.1:1234"})
    assert r.status == 200
    assert check.only_ping()["remote_addr"] == "1.1.1.1"


@pytest.mark.xfail(strict=True, reason=FORWARDED)
def test_it_handles_ipv4_mapped_ipv6_address(check: Check) -> None:
    r = check.ping(**{"x-forwarded-for": "::ffff:1.1.1.1"})
    assert r.status == 200
    assert check.only_ping()["remote_addr"] == "::ffff:1.1.1.1"


def test_it_reads_forwarded_protocol(check: Check) -> None:
    r = check.ping(**{"x-forwarded-proto": "https"})
    assert r.status == 200
    assert check.only_ping()["scheme"] == "https"


def test_it_never_caches(check: Check) -> None:
    r = check.ping()
    assert "no-cache" in r.headers["cache-control"]


@pytest.mark.skip(reason=f"{NOT_SHOWN}: has_confirmation_link (email confirmation links)")
def test_it_updates_confirmation_flag() -> None: ...


def test_fail_endpoint_works(check: Check) -> None:
    r = check.ping("/fail")
    assert r.status == 200

    c = check.get()
    assert c["status"] == "down"
    assert c["next_ping"] is None  # alert_after

    assert check.only_ping()["type"] == "fail"

    [flip] = check.flips()
    assert flip["up"] == 0  # new_status "down"; the reason, "fail", is not in the API


def test_start_endpoint_works(stack: Stack, check: Check) -> None:
    assert check.ping().status == 200  # last_ping = now() - td(hours=2)
    stack.clock.advance(2 * 3600)
    last_ping = check.get()["last_ping"]

    r = check.ping("/start")
    assert r.status == 200

    c = check.get()
    assert c["started"] is True
    assert c["last_ping"] == last_ping

    assert check.pings()[0]["type"] == "start"


def test_start_does_not_change_status_of_paused_check(check: Check) -> None:
    check.pause()

    r = check.ping("/start")
    assert r.status == 200

    c = check.get()
    assert c["started"] is True
    assert c["status"] == "paused"


def test_start_sets_last_start_rid(check: Check) -> None:
    rid = uuid4()
    r = check.ping(f"/start?rid={rid}")
    assert r.status == 200

    assert check.get()["started"] is True
    assert check.only_ping()["rid"] == str(rid)  # last_start_rid: the start's rid


def test_it_accepts_uppercase_rid(check: Check) -> None:
    rid = "04603D8B-EDF4-4E85-8F61-24BEDBCAAB59"
    r = check.ping(f"/start?rid={rid}")
    assert r.status == 200

    assert check.get()["started"] is True
    assert check.only_ping()["rid"] == str(UUID(rid))


def test_it_sets_last_duration(stack: Stack, check: Check) -> None:
    check.ping("/start")  # last_start = now() - td(seconds=10)
    stack.clock.advance(10)

    r = check.ping()
    assert r.status == 200

    assert check.get()["last_duration"] >= 10


@pytest.mark.xfail(strict=True, reason=RUNS)
def test_it_does_not_update_last_ping_on_rid_mismatch(stack: Stack, check: Check) -> None:
    check.ping(f"/start?rid={uuid4()}")  # last_start = t, last_start_rid = uuid4()
    stack.clock.advance(10)

    r = check.ping(f"?rid={uuid4()}")
    assert r.status == 200

    c = check.get()
    # last_start should still be the same
    assert c["started"] is True
    # last_duration should be not set
    assert c.get("last_duration") is None


def test_it_clears_last_ping_and_sets_last_duration_if_rid_matches(stack: Stack, check: Check) -> None:
    rid = uuid4()
    check.ping(f"/start?rid={rid}")
    stack.clock.advance(10)

    r = check.ping(f"?rid={rid}")
    assert r.status == 200

    c = check.get()
    assert c["started"] is False
    assert c["last_duration"] >= 10


@pytest.mark.xfail(strict=True, reason=RUNS)
def test_it_clears_last_ping_if_rid_is_absent(stack: Stack, check: Check) -> None:
    check.ping(f"/start?rid={uuid4()}")
    stack.clock.advance(10)

    r = check.ping()
    assert r.status == 200

    c = check.get()
    assert c["started"] is False
    assert c.get("last_duration") is None


def test_it_clears_last_ping_on_failure(stack: Stack, check: Check) -> None:
    check.ping(f"/start?rid={uuid4()}")
    stack.clock.advance(10)

    r = check.ping(f"/fail?rid={uuid4()}")
    assert r.status == 200

    c = check.get()
    assert c["started"] is False
    assert c.get("last_duration") is None


def test_it_requires_post(check: Check) -> None:
    check.update(methods="POST")

    r = check.ping()
    assert r.status == 200

    c = check.get()
    assert c["status"] == "new"
    assert c["last_ping"] is None

    ping = check.only_ping()
    assert ping["scheme"] == "https"
    assert ping["type"] == "ign"


def test_it_chops_long_body(check: Check) -> None:
    # PING_BODY_LIMIT=5 there; here the stack's limit, 100,000 bytes, and one byte more
    r = check.ping(method="POST", body="a" * 100_000 + "b", **{"content-type": "text/plain"})
    assert r.headers["ping-body-limit"] == "100000"

    ping = check.only_ping()
    assert ping["method"] == "POST"
    assert check.body(ping) == b"a" * 100_000


@pytest.mark.skip(reason="PING_BODY_LIMIT=None, a server setting: Heartbeat's limit is a parameter of at most 256 KB")
def test_it_allows_unlimited_body() -> None: ...


def test_it_handles_manual_resume_flag(check: Check) -> None:
    check.update(manual_resume=True)
    check.pause()

    r = check.ping()
    assert r.status == 200

    assert check.get()["status"] == "paused"

    ping = check.only_ping()
    assert ping["scheme"] == "https"
    assert ping["type"] == "ign"


def test_zero_exit_status_works(check: Check) -> None:
    r = check.ping("/0")
    assert r.status == 200

    assert check.get()["status"] == "up"

    assert check.only_ping()["type"] == "success"  # exitstatus 0 is not in the API


def test_nonzero_exit_status_works(check: Check) -> None:
    r = check.ping("/123")
    assert r.status == 200

    assert check.get()["status"] == "down"

    assert check.only_ping()["type"] == "fail"  # exitstatus 123 is not in the API


def test_it_rejects_exit_status_over_255(check: Check) -> None:
    r = check.ping("/256")
    assert r.status == 400


def test_it_accepts_bad_unicode(check: Check) -> None:
    r = check.ping(method="POST", body=b"Hello \xe9 World", **{"content-type": "text/plain"})
    assert r.status == 200

    ping = check.only_ping()
    assert ping["method"] == "POST"
    assert check.body(ping) == b"Hello \xe9 World"


@pytest.mark.skip(reason="S3_BUCKET, a server setting: Heartbeat keeps bodies in DynamoDB")
def test_it_uploads_body_to_s3() -> None: ...


def test_log_endpoint_works(check: Check) -> None:
    r = check.ping("/log", method="POST", body="hello", **{"content-type": "text/plain"})
    assert r.status == 200

    c = check.get()
    assert c["status"] == "new"
    assert c["next_ping"] is None  # alert_after
    assert not c["last_ping"]

    ping = check.only_ping()
    assert ping["type"] == "log"
    assert check.body(ping) == b"hello"

    assert check.flips() == []


def test_it_saves_run_id(check: Check) -> None:
    rid = uuid4()
    r = check.ping(f"/start?rid={rid}")
    assert r.status == 200

    assert check.only_ping()["rid"] == str(rid)


def test_it_handles_invalid_rid(check: Check) -> None:
    samples = ["12345", "684e2e73-017e-465f-8149-d70b7c5aaa490"]
    for sample in samples:
        r = check.ping(f"/start?rid={sample}")
        assert r.status == 400


def test_it_handles_success_filter_match(check: Check) -> None:
    check.update(filter_http_body=True, success_kw="SUCCESS")

    r = check.ping(method="POST", body="SUCCESS!", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "success"


@pytest.mark.xfail(strict=True, reason=DEFAULT_FAIL)
def test_it_handles_success_filter_miss(check: Check) -> None:
    check.update(filter_http_body=True, success_kw="SUCCESS")

    r = check.ping(method="POST", body="hello world", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "ign"


def test_it_handles_failure_filter_match(check: Check) -> None:
    check.update(filter_http_body=True, failure_kw="FAIL")

    r = check.ping(method="POST", body="FAIL!", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "fail"


@pytest.mark.xfail(strict=True, reason=NO_FILTER_DEFAULT)
def test_it_handles_failure_filter_miss(check: Check) -> None:
    check.update(filter_http_body=True, failure_kw="FAIL")

    r = check.ping(method="POST", body="---", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "ign"


@pytest.mark.xfail(strict=True, reason=START_KW)
def test_it_handles_start_filter_match(check: Check) -> None:
    check.update(filter_http_body=True, start_kw="START")

    r = check.ping(method="POST", body="STARTING", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "start"


def test_manual_resume_takes_precedence_over_keywords(check: Check) -> None:
    check.update(filter_http_body=True, success_kw="SUCCESS", manual_resume=True)
    check.pause()

    r = check.ping(method="POST", body="SUCCESS!", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "ign"


def test_allowed_methods_takes_precedence_over_keywords(check: Check) -> None:
    # This should normally trigger a failure
    # (because filtering is enabled but no keywords match the empty body)
    # But this should take precedence and result in "ign" anyway
    check.update(filter_http_body=True, filter_default_fail=True, methods="POST")

    r = check.ping()
    assert r.status == 200

    assert check.only_ping()["type"] == "ign"


def test_it_handles_filter_default_fail(check: Check) -> None:
    check.update(filter_http_body=True, success_kw="SUCCESS", filter_default_fail=True)

    r = check.ping(method="POST", body="no keywords", **{"content-type": "text/plain"})
    assert r.status == 200

    assert check.only_ping()["type"] == "fail"


@pytest.mark.xfail(strict=True, reason=HTTP_KEYWORDS)
def test_it_ignores_email_filters(check: Check) -> None:
    check.update(filter_subject=True, success_kw="SUCCESS", filter_default_fail=True)

    r = check.ping()
    assert r.status == 200

    assert check.only_ping()["type"] == "success"
