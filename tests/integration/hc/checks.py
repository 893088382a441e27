"""What Healthchecks' tests read from its models, read here through its API: a check made with
`POST /api/v3/checks/`, its fields from `GET checks/<uuid>`, its pings from `pings/` and its flips
from `flips/`. The translated tests keep Healthchecks' names and order; where a test sets a model
field directly, the API call that sets it (or the pings and the clock that lead to it) stands in."""

from __future__ import annotations

from typing import Any

from tests.harness import Reply, Stack

V3 = "/api/v3/checks/"


class Check:
    def __init__(self, stack: Stack, **fields: Any) -> None:
        self.stack = stack
        reply = stack.request("POST", V3, fields)
        assert reply.status == 201, reply.body
        self.uuid = str(reply.json()["uuid"])
        self.url = f"/ping/{self.uuid}"

    def ping(self, suffix: str = "", method: str = "GET", body: bytes | str | None = None, **headers: str) -> Reply:
        return self.stack.request(method, self.url + suffix, body, headers=headers, key=None)

    def get(self) -> dict[str, Any]:
        """`refresh_from_db`: the check as the API shows it."""
        reply = self.stack.request("GET", V3 + self.uuid)
        assert reply.status == 200, reply.body
        return dict(reply.json())

    def update(self, **fields: Any) -> dict[str, Any]:
        reply = self.stack.request("POST", V3 + self.uuid, fields)
        assert reply.status == 200, reply.body
        return dict(reply.json())

    def pause(self) -> None:
        assert self.stack.request("POST", f"{V3}{self.uuid}/pause").status == 200

    def pings(self) -> list[dict[str, Any]]:
        """`Ping.objects`, newest first."""
        reply = self.stack.request("GET", f"{V3}{self.uuid}/pings/")
        assert reply.status == 200, reply.body
        return list(reply.json()["pings"])

    def only_ping(self) -> dict[str, Any]:
        """`Ping.objects.get()`: the one ping there is."""
        [ping] = self.pings()
        return ping

    def body(self, ping: dict[str, Any]) -> bytes:
        assert ping["body_url"], ping
        path = ping["body_url"].removeprefix("https://api.example.com")
        reply = self.stack.request("GET", path)
        assert reply.status == 200, reply.body
        return reply.body

    def flips(self) -> list[dict[str, Any]]:
        reply = self.stack.request("GET", f"{V3}{self.uuid}/flips/")
        assert reply.status == 200, reply.body
        return list(reply.json()["flips"])
