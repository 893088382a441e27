"""A quorum of instances (`config.quorum: {"min": k}`): a monitor fed by many hosts, each naming
itself with `?instance=` (or the `Heartbeat-Instance` header), is up while at least k distinct
instances have pinged within its period plus grace. The monitor keeps each instance's last success
(`instances`, at most MAX_INSTANCES names); its deadline is when the k-th most recent of them
expires, and until k have pinged, when the oldest does.
"""

from __future__ import annotations

import re

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Monitor, Ping
from heartbeat.domain.schedules import deadline_after_success
from heartbeat.domain.settings import MAX_INSTANCES

INSTANCE_CHARS = 64
_INSTANCE = re.compile(rf"^[A-Za-z0-9._:-]{{1,{INSTANCE_CHARS}}}$")
UNNAMED = "default"  # the instance of a ping that names none


def check_instance(name: str) -> str:
    if not _INSTANCE.match(name):
        raise InvalidInput("instance", f"1-{INSTANCE_CHARS} characters of A-Z, a-z, 0-9 and . _ : -")
    return name


def instance_of(ping: Ping) -> str:
    return ping.instance or UNNAMED


def with_ping(m: Monitor, ping: Ping, now_ms: int) -> dict[str, int]:
    """The monitor's instances once this success is recorded. InvalidInput for a new name beyond
    MAX_INSTANCES: an item must not grow without limit."""
    instances = dict(m.instances or {})
    name = instance_of(ping)
    if name not in instances and len(instances) >= MAX_INSTANCES:
        raise InvalidInput("instance", f"this monitor has {MAX_INSTANCES} instances already; {name!r} is one more")
    instances[name] = now_ms
    return instances


def quorum_deadline(m: Monitor, instances: dict[str, int]) -> int | None:
    """When the k-th most recent instance's last success expires (the oldest's, until k have pinged)."""
    if not m.quorum or not instances:
        return None
    latest = sorted(instances.values(), reverse=True)
    kth = latest[m.quorum["min"] - 1] if len(latest) >= m.quorum["min"] else latest[-1]
    return deadline_after_success(m, kth)


def met(m: Monitor, instances: dict[str, int], now_ms: int) -> bool:
    """At least k instances have pinged within period plus grace."""
    assert m.quorum is not None
    return len(instances) - len(silent(m, instances, now_ms)) >= m.quorum["min"]


def silent(m: Monitor, instances: dict[str, int], now_ms: int) -> list[str]:
    """The instances whose last success has expired, by name."""
    return sorted(name for name, at in instances.items() if deadline_after_success(m, at) <= now_ms)
