"""The PyPI client `healthchecks-io` (its sync `Client`) driven against the local stack. Runs inside
.venv-clients (tests/e2e/test_healthchecks_clients.py starts it); prints one JSON document: what
each call returned and every HTTP exchange the client made, for the test to assert on.

    python healthchecks_io_client.py '{"base": ..., "key": ..., "version": 3 | null, "phase": ...}'

`version` null leaves the client's default (v1). Phases: `lifecycle` (upsert, filter, get, ping,
pings, fail) and `retire` (pause, delete) of the check `uuid`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from healthchecks_io import CheckCreate, CheckNotFoundError, Client


def lifecycle(client: Client, name: str, tag: str) -> dict[str, Any]:
    def spec(grace: int) -> CheckCreate:
        return CheckCreate(name=name, tags=f"e2e {tag}", timeout=3600, grace=grace, unique=["name"])

    first = client.create_check(spec(grace=120))
    again = client.create_check(spec(grace=300))  # the same name: Healthchecks' upsert updates it
    other = client.create_check(CheckCreate(name=f"{name} elsewhere", tags="e2e other", timeout=86400, grace=3600))
    uuid = first.uuid or ""
    out: dict[str, Any] = {
        "first": first.model_dump(mode="json"),
        "again": again.model_dump(mode="json"),
        "other": other.model_dump(mode="json"),
        "by_both_tags": sorted(c.name for c in client.get_checks(tags=["e2e", tag])),
        "by_shared_tag": sorted(c.name for c in client.get_checks(tags=["e2e"])),
        "by_unknown_tag": [c.name for c in client.get_checks(tags=["nosuchtag"])],
        "got": client.get_check(uuid).model_dump(mode="json"),
    }
    out["start"] = client.start_ping(uuid=uuid)
    out["status_after_start"] = client.get_check(uuid).status
    out["success"] = client.success_ping(uuid=uuid, data="backup done: 42 tables")
    after_success = client.get_check(uuid)
    out["status_after_success"] = after_success.status
    out["n_pings_after_success"] = after_success.n_pings
    out["pings"] = [p.model_dump(mode="json") for p in client.get_check_pings(uuid)]
    out["fail"] = client.fail_ping(uuid=uuid, data="disk full")
    out["status_after_fail"] = client.get_check(uuid).status
    # Not get_check_flips: it reads the answer as a bare list, where Healthchecks (and Heartbeat)
    # answer {"flips": [...]}, so it fails against the real server too; the test reads flips itself.
    return out


def retire(client: Client, uuid: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "paused": client.pause_check(uuid).status,
        "deleted": client.delete_check(uuid).model_dump(mode="json"),
    }
    try:
        client.get_check(uuid)
        out["after_delete"] = "found"
    except CheckNotFoundError:
        out["after_delete"] = "not found"
    out["left"] = [c.uuid for c in client.get_checks()]
    return out


def main() -> None:
    args = json.loads(sys.argv[1])
    exchanges: list[dict[str, Any]] = []

    def record(response: httpx.Response) -> None:
        request = response.request
        exchanges.append(
            {
                "method": request.method,
                "path": request.url.raw_path.decode(),
                "status": response.status_code,
                "user_agent": request.headers.get("user-agent"),
            }
        )

    version = {} if args["version"] is None else {"api_version": args["version"]}
    with Client(
        api_key=args["key"],
        api_url=f"{args['base']}/api/",
        ping_url=f"{args['base']}/ping/",
        client=httpx.Client(event_hooks={"response": [record]}, timeout=30),
        **version,
    ) as client:
        if args["phase"] == "lifecycle":
            result = lifecycle(client, args["name"], args["tag"])
        else:
            result = retire(client, args["uuid"])
    print(json.dumps({**result, "exchanges": exchanges}))


if __name__ == "__main__":
    main()
