"""The template's routes as API Gateway ranks them: literal routes, then greedy ones, then `$default`
(the API function's, so that one invoke permission covers its routes; README: Deploy)."""

from __future__ import annotations

from tests.harness import Stack


def test_a_path_no_route_takes_gets_api_gateways_own_404_with_or_without_a_key(stack: Stack) -> None:
    for method, path in (("GET", "/robots.txt"), ("POST", "/no/such/route"), ("PUT", "/"), ("GET", "/api/v1/monitor")):
        for key, body in ((None, None), ("admin", b"[]"), ("not-a-key", b'{"name": "x"}')):
            reply = stack.request(method, path, body, key=key)
            assert (reply.status, reply.json()) == (404, {"message": "Not Found"}), (method, path, key)


def test_every_route_still_asks_for_its_key(stack: Stack) -> None:
    # `$default` brings unknown paths to the API function; its own routes keep their key check.
    for method, path in (("GET", "/api/v1/monitors"), ("GET", "/api/v1/incidents"), ("GET", "/api/v1/keys")):
        assert stack.request(method, path, key=None).status == 401, path
    assert stack.request("GET", "/api/v1/monitors").status == 200


def test_a_trailing_slash_on_every_ping_route_is_the_same_ping(stack: Stack) -> None:
    """Issue 30: `/ping/<uuid>/` (hand-written scripts) was API Gateway's 404 and the ping was lost."""
    m = stack.create_monitor(name="Nightly Backup")
    token, key = m["token"], stack.request("GET", "/api/v1/ping-key").json()["pingKey"]
    paths = [
        (f"/api/v1/heartbeat/{token}/", "up"),
        (f"/api/v1/heartbeat/{token}/start/", "started"),
        (f"/api/v1/heartbeat/{token}/3/", "down"),
        (f"/ping/{token}/", "up"),
        (f"/ping/{token}/fail/", "down"),
        (f"/ping/{token}/0/", "up"),
        (f"/ping/{key}/nightly-backup/start/", "started"),
        (f"/ping/{key}/nightly-backup/", "up"),
    ]
    for n, (path, status) in enumerate(paths, start=1):
        reply = stack.request("GET", path, key=None)
        assert (reply.status, reply.body) == (200, b"OK"), path
        assert (stack.monitor(m["id"])["status"], stack.monitor(m["id"])["pingCount"]) == (status, n), path


def test_an_empty_segment_or_one_too_many_under_a_ping_route_is_not_found_and_records_nothing(stack: Stack) -> None:
    m = stack.create_monitor(name="Nightly Backup")
    token = m["token"]
    for path in (
        f"/ping/{token}//",
        f"/ping//{token}/",
        f"/ping/{token}/start/extra/",
        f"/ping/{token}/start/extra/more",
        f"/api/v1/heartbeat/{token}/start/extra/",
        f"/api/v1/heartbeat/{token}//",
    ):
        reply = stack.request("GET", path, key=None)
        assert reply.status == 404 and reply.json()["error"]["code"] == "not_found", path
    assert stack.monitor(m["id"])["pingCount"] == 0
