"""`make smoke URL=... KEY=...`: a live deployment checked end to end over HTTP, as a user would:
a monitor created, pinged and up; a 2-second monitor left to miss its deadline, marked down by the
sweeper with an open incident; pinged again and resolved; then deleted. Prints each check; exit
status 1 at the first that fails (the monitors it made are deleted either way).

    python -m heartbeat_local.deploy.smoke --url https://<api> --key <admin key> [--timeout 150]

--url and --key default to HEARTBEAT_API_URL and HEARTBEAT_API_KEY, as the CLI's do.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any


class SmokeFailed(Exception):
    pass


class Client:
    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url.rstrip("/"), key

    def __call__(self, method: str, path: str, body: Any = None, key: bool = True) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - http(s) only: main() checks the URL
            path if path.startswith("http") else self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"content-type": "application/json", **({"x-api-key": self.key} if key else {})},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 - the user's own URL
                status, raw = reply.status, reply.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")


def expect(what: str, status: int, wanted: int, body: Any) -> None:
    if status != wanted:
        raise SmokeFailed(f"{what}: HTTP {status}, expected {wanted}: {str(body)[:300]}")


def wait_for(what: str, probe: Callable[[], Any], timeout: float, every: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def run(api: Client, timeout: float, say: Callable[[str], None], every: float = 2.0) -> None:
    made: list[str] = []
    try:
        name = f"smoke-{secrets.token_hex(4)}"
        status, m = api("POST", "/api/v1/monitors", {"name": name, "config": {"expectedInterval": 1, "gracePeriod": 1}})
        expect("create a monitor", status, 201, m)
        made.append(m["id"])
        say(f"created {name} ({m['id']}): a ping every 1 s, 1 s of grace")
        status, text = api("GET", m["pingUrl"], key=False)
        expect("ping it", status, 200, text)
        status, got = api("GET", f"/api/v1/monitors/{m['id']}")
        expect("read it", status, 200, got)
        if got["status"] not in ("up", "grace"):
            raise SmokeFailed(f"after a ping it is {got['status']}, not up")
        say(f"pinged {m['pingUrl'].split('/api/')[0]}/api/...: {got['status']}")
        began = time.monotonic()

        def down() -> Any:
            return api("GET", f"/api/v1/monitors/{m['id']}")[1]["status"] == "down"

        wait_for("the missed deadline marked down by the sweeper", down, timeout, every)
        say(f"left alone: down after {time.monotonic() - began:.0f} s (the sweeper runs at least once a minute)")
        status, incidents = api("GET", f"/api/v1/monitors/{m['id']}/incidents")
        expect("list its incidents", status, 200, incidents)
        [incident] = incidents["items"]
        if (incident["status"], incident["cause"]) != ("open", "missed"):
            raise SmokeFailed(f"the incident is {incident['status']} ({incident['cause']}), not open (missed)")
        say(f"alert recorded: incident {incident['id']} open, cause missed, opened {incident['openedAt']}")
        status, text = api("GET", m["pingUrl"], key=False)
        expect("ping it again", status, 200, text)
        status, incidents = api("GET", f"/api/v1/monitors/{m['id']}/incidents")
        expect("list its incidents again", status, 200, incidents)
        if incidents["items"][0]["status"] != "resolved":
            raise SmokeFailed(f"after a ping the incident is {incidents['items'][0]['status']}, not resolved")
        say(f"pinged again: incident resolved after {incidents['items'][0]['durationSeconds']} s")
    finally:
        for monitor_id in made:
            status, body = api("DELETE", f"/api/v1/monitors/{monitor_id}")
            if status != 204:
                say(f"could not delete {monitor_id}: HTTP {status} {str(body)[:200]}")
            else:
                say(f"deleted {monitor_id} and its pings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    url, key = os.environ.get("HEARTBEAT_API_URL"), os.environ.get("HEARTBEAT_API_KEY")
    parser.add_argument("--url", default=url, required=not url, help="the stack's ApiUrl output (or custom domain)")
    parser.add_argument("--key", default=key, required=not key, help="an admin API key (heartbeat keys bootstrap)")
    parser.add_argument("--timeout", type=float, default=150, help="seconds to wait for the sweeper (default 150)")
    args = parser.parse_args(argv)
    if not args.url.startswith(("https://", "http://")):
        parser.error(f"--url must be an http(s) URL, not {args.url!r}")
    try:
        run(Client(args.url, args.key), args.timeout, lambda line: print(f"smoke: {line}", flush=True))
    except (SmokeFailed, OSError) as e:
        print(f"smoke: FAILED: {e}", file=sys.stderr)
        return 1
    print("smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
