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
