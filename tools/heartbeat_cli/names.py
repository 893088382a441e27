"""Monitors named as people name them: by id, slug or exact name. An id is taken as it is (it is
unique); a slug and a name are looked up through the listing's `slug` and `name` filters (index
queries, never the whole listing), and more than one match says which monitors it could be."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from heartbeat_cli.api import CliError

ID_RE = re.compile(r"^[0-9a-f]{32}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
NAME_PAGE = 100  # names that start alike sort together: the exact ones are on the first page


class NotFoundByName(CliError):
    pass


def monitor_path(monitor_id: str) -> str:
    return f"/api/v1/monitors/{quote(monitor_id, safe='')}"


def find_monitor(api: Any, ref: str) -> dict[str, Any]:
    """The one monitor `ref` names. Raises NotFoundByName, or CliError for an ambiguous name."""
    if ID_RE.match(ref):
        return dict(api.call("GET", monitor_path(ref)))
    found: dict[str, dict[str, Any]] = {}
    if SLUG_RE.match(ref):
        for m in api.call("GET", "/api/v1/monitors", query={"slug": ref})["items"]:
            found[m["id"]] = m
    for m in api.call("GET", "/api/v1/monitors", query={"name": ref, "limit": NAME_PAGE})["items"]:
        if m["name"] == ref:
            found[m["id"]] = m
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise NotFoundByName(f"no monitor has the id, slug or name {ref!r}")
    which = "\n".join(f"  {m['id']}  slug {m.get('slug')}  name {m['name']!r}" for m in found.values())
    raise CliError(f"{ref!r} names {len(found)} monitors; give one's id:\n{which}")


def monitor_id(api: Any, ref: str) -> str:
    """The id of the monitor `ref` names, with no extra call when `ref` is an id."""
    return ref if ID_RE.match(ref) else str(find_monitor(api, ref)["id"])
