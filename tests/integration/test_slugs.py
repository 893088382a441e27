"""Pinging by slug: /ping/<ping key>/<slug>[/<action>], ?create=1, and the slug's lifecycle."""

from __future__ import annotations

import pytest

from tests.harness import Reply, Request, Stack


def ping_key(stack: Stack) -> str:
    reply = stack.request("GET", "/api/v1/ping-key")
    assert reply.status == 200, reply.body
    return str(reply.json()["pingKey"])


def slug_ping(stack: Stack, path: str, method: str = "GET") -> Reply:
    return stack.request(method, f"/ping/{path}", key=None)


def test_the_ping_key_is_made_once_and_shown_only_to_admin_keys(stack: Stack) -> None:
    first = stack.request("GET", "/api/v1/ping-key").json()
    assert len(first["pingKey"]) == 22 and first["pingUrlPrefix"] == f"https://api.example.com/ping/{first['pingKey']}/"
    assert ping_key(stack) == first["pingKey"]
    reply = stack.request("GET", "/api/v1/ping-key", key=stack.make_key("read"))
    assert reply.status == 403 and reply.json()["error"]["code"] == "forbidden"


def test_a_slug_is_derived_from_the_name_and_every_action_works_by_slug(stack: Stack) -> None:
    m = stack.create_monitor(name="Nightly Backup (db-1)")
    assert m["slug"] == "nightly-backup-db-1"
    key = ping_key(stack)
    assert slug_ping(stack, f"{key}/nightly-backup-db-1/start").status == 200
    assert stack.monitor(m["id"])["status"] == "started"
    assert slug_ping(stack, f"{key}/nightly-backup-db-1/0", "POST").status == 200
    assert stack.monitor(m["id"])["status"] == "up"
    assert slug_ping(stack, f"{key}/nightly-backup-db-1/log", "POST").status == 200
    assert slug_ping(stack, f"{key}/nightly-backup-db-1/fail").status == 200
    assert stack.monitor(m["id"])["status"] == "down"
    assert slug_ping(stack, f"{key}/nightly-backup-db-1").status == 200
    assert stack.monitor(m["id"])["status"] == "up"
    assert stack.store.monitors.get(m["id"]).n_pings == 5


def test_a_rename_keeps_the_slug_and_a_slug_change_moves_it(stack: Stack) -> None:
    m = stack.create_monitor(name="Backup")
    key = ping_key(stack)
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"name": "Database Backup"})
    assert stack.monitor(m["id"])["slug"] == "backup"
    assert slug_ping(stack, f"{key}/backup").status == 200
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"slug": "db-backup"})
    assert slug_ping(stack, f"{key}/backup").status == 404
    assert slug_ping(stack, f"{key}/db-backup").status == 200
    assert stack.store.monitors.get(m["id"]).n_pings == 2


@pytest.mark.parametrize("slug", ["Backup", "back%20up", "-backup", "b" * 101])
def test_an_uppercase_or_invalid_slug_is_400(stack: Stack, slug: str) -> None:
    reply = slug_ping(stack, f"{ping_key(stack)}/{slug}")
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_slug"
    bad = stack.request("POST", "/api/v1/monitors", {"name": "x", "slug": slug})
    assert bad.status == 422


@pytest.mark.parametrize("key", ["Xq3v9Lk2Rt8Wm4Np6Bz1Cg", "short", "%2e%2e%2fetc", "Xq3v9Lk2Rt8Wm4Np6Bz1Cg0"])
def test_an_unknown_or_malformed_ping_key_is_the_same_404_and_writes_nothing(stack: Stack, key: str) -> None:
    stack.create_monitor(name="backup")
    ping_key(stack)
    calls = stack.count_calls()
    for path in (f"{key}/backup", f"{key}/backup/fail", f"{key}/backup?create=1", f"{key}/new-one?create=1"):
        reply = slug_ping(stack, path)
        assert reply.status == 404
        assert reply.json() == {"error": {"code": "not_found", "message": "not found"}}
    assert not {"PutItem", "UpdateItem", "TransactWriteItems"} & set(calls)


def test_a_slug_shared_by_two_monitors_is_409_until_one_moves(stack: Stack) -> None:
    a = stack.create_monitor(name="Backup")
    b = stack.create_monitor(name="backup")
    key = ping_key(stack)
    reply = slug_ping(stack, f"{key}/backup")
    assert reply.status == 409 and reply.json()["error"]["code"] == "ambiguous_slug"
    assert stack.store.monitors.get(a["id"]).n_pings == stack.store.monitors.get(b["id"]).n_pings == 0
    stack.request("PATCH", f"/api/v1/monitors/{b['id']}", {"slug": "backup-2"})
    assert slug_ping(stack, f"{key}/backup").status == 200
    assert stack.store.monitors.get(a["id"]).n_pings == 1


def test_create_1_makes_a_missing_monitor_with_defaults_once(stack: Stack) -> None:
    key = ping_key(stack)
    assert slug_ping(stack, f"{key}/report-job").status == 404
    reply = slug_ping(stack, f"{key}/report-job?create=1")
    assert (reply.status, reply.body) == (201, b"Created")
    again = slug_ping(stack, f"{key}/report-job?create=1")
    assert again.status == 200
    [m] = stack.request("GET", "/api/v1/monitors").json()["items"]
    assert (m["name"], m["slug"], m["status"]) == ("report-job", "report-job", "up")
    assert m["config"].items() >= {"expectedInterval": 86400, "gracePeriod": 3600}.items()
    assert stack.store.monitors.get(m["id"]).n_pings == 2


def test_first_pings_at_once_with_create_1_make_one_monitor(stack: Stack) -> None:
    key = ping_key(stack)
    for rounds in range(4):
        replies = stack.at_once(*[Request("GET", f"/ping/{key}/race-{rounds}?create=1", key=None)] * 3)

        assert sorted(r.status for r in replies) == [200, 200, 201], [r.body for r in replies]
        [only] = stack.store.slugs.monitor_ids(f"race-{rounds}")
        assert stack.store.monitors.get(only).n_pings == 3


def test_a_create_1_the_slug_index_does_not_show_yet_finds_the_claim(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ping_key(stack)
    first = slug_ping(stack, f"{key}/race?create=1")
    assert first.status == 201
    # The second first-ping looks before the first one's monitor shows anywhere: its create must lose.
    real_ids, real_claim = stack.store.slugs.monitor_ids, stack.store.claims.holder
    blind = {"ids": 1, "claim": 1}

    def stale_ids(slug: str) -> list[str]:
        return [] if blind.pop("ids", 0) else real_ids(slug)

    def stale_claim(identity: str, now_ms: int) -> str | None:
        return None if blind.pop("claim", 0) else real_claim(identity, now_ms)

    monkeypatch.setattr(stack.store.slugs, "monitor_ids", stale_ids)
    monkeypatch.setattr(stack.store.claims, "holder", stale_claim)
    assert slug_ping(stack, f"{key}/race?create=1").status == 200
    assert len(stack.request("GET", "/api/v1/monitors").json()["items"]) == 1
    [only] = real_ids("race")
    assert stack.store.monitors.get(only).n_pings == 2


def test_a_create_1_after_its_claimed_monitor_was_deleted_creates_again(stack: Stack) -> None:
    key = ping_key(stack)
    made = slug_ping(stack, f"{key}/gone?create=1")
    assert made.status == 201
    [gone] = stack.request("GET", "/api/v1/monitors").json()["items"]
    stack.request("DELETE", f"/api/v1/monitors/{gone['id']}")
    # Within the claim's minute: the claim names a monitor that is no more, and is taken over
    assert slug_ping(stack, f"{key}/gone").status == 404
    assert slug_ping(stack, f"{key}/gone?create=1").status == 201
    assert slug_ping(stack, f"{key}/gone").status == 200


@pytest.mark.parametrize("retry", ["?create=1", ""])
def test_a_monitor_whose_creator_stopped_before_showing_it_is_shown_by_the_next_ping(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, retry: str
) -> None:
    # A first ping whose Lambda timed out between claiming the slug and showing the monitor
    key = ping_key(stack)
    monitors = stack.store.monitors
    real_show = monitors._show

    def times_out(item: dict) -> None:
        monkeypatch.setattr(monitors, "_show", real_show)
        raise TimeoutError("the Lambda timed out")

    monkeypatch.setattr(monitors, "_show", times_out)
    with pytest.raises(TimeoutError):
        slug_ping(stack, f"{key}/half?create=1")
    assert stack.request("GET", "/api/v1/monitors").json()["items"] == []  # hidden: in no index
    # The job's next ping (creating or not) finds the claim, shows the monitor and pings it: no second monitor
    assert slug_ping(stack, f"{key}/half{retry}").status == 200
    [m] = stack.request("GET", "/api/v1/monitors").json()["items"]
    assert (m["slug"], m["status"], stack.store.monitors.get(m["id"]).n_pings) == ("half", "up", 1)


def test_plain_pings_racing_the_first_ping_that_creates_are_each_counted_once(stack: Stack) -> None:
    """A ping landing between the creator's claim and its showing the monitor is neither lost (the
    show once put back a copy taken before it) nor counted on a monitor in no listing."""
    key = ping_key(stack)
    for rounds in range(8):
        slug = f"busy-{rounds}"
        plain = [Request("GET", f"/ping/{key}/{slug}", key=None)] * 5
        replies = stack.at_once(Request("GET", f"/ping/{key}/{slug}?create=1", key=None), *plain)

        counted = sum(r.status in (200, 201) for r in replies)
        assert {r.status for r in replies} <= {200, 201, 404}, [r.body for r in replies]
        [only] = stack.store.slugs.monitor_ids(slug)
        assert stack.store.monitors.get(only).n_pings == counted, rounds


def test_a_claim_older_than_a_minute_does_not_stop_a_new_create(stack: Stack) -> None:
    key = ping_key(stack)
    slug_ping(stack, f"{key}/gone?create=1")
    [made] = stack.request("GET", "/api/v1/monitors").json()["items"]
    stack.request("DELETE", f"/api/v1/monitors/{made['id']}")
    stack.clock.advance(61)
    assert slug_ping(stack, f"{key}/gone?create=1").status == 201


def test_delete_frees_the_slug(stack: Stack) -> None:
    m = stack.create_monitor(name="backup")
    key = ping_key(stack)
    stack.request("DELETE", f"/api/v1/monitors/{m['id']}")
    assert slug_ping(stack, f"{key}/backup").status == 404
    n = stack.create_monitor(name="backup")
    assert slug_ping(stack, f"{key}/backup").status == 200
    assert stack.store.monitors.get(n["id"]).n_pings == 1


def test_rotating_the_ping_key_retires_the_old_one_and_leaves_tokens_alone(stack: Stack) -> None:
    m = stack.create_monitor(name="backup")
    old = ping_key(stack)
    new = stack.request("POST", "/api/v1/ping-key/rotate").json()["pingKey"]
    assert new != old and ping_key(stack) == new
    assert slug_ping(stack, f"{old}/backup").status == 404
    assert slug_ping(stack, f"{new}/backup").status == 200
    assert stack.ping(m["token"]).status == 200


def test_the_listing_finds_monitors_by_slug_from_its_index(stack: Stack) -> None:
    backup = stack.create_monitor(name="Nightly Backup", slug="backup")
    stack.create_monitor(name="Backup Copy", slug="backup-copy")
    calls = stack.count_calls("ApiFunction")
    listed = stack.request("GET", "/api/v1/monitors?slug=backup").json()
    assert [m["id"] for m in listed["items"]] == [backup["id"]] and listed["nextCursor"] is None
    assert "Scan" not in calls and calls.count("Query") == 1  # the slug index, not the listing
    assert stack.request("GET", "/api/v1/monitors?slug=backup&status=down").json()["items"] == []
    assert stack.request("GET", "/api/v1/monitors?slug=nothing").json()["items"] == []
    reply = stack.request("GET", "/api/v1/monitors?slug=Not%20A%20Slug")
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "slug"
