"""Status badges and Prometheus metrics: the monitors' health where teams already look.

Badges are public URLs with the deployment's badge key in them (read-only: it shows a tag's state
and nothing else, no name, no token). Metrics need a read API key. Both are computed from the
monitors as they stand; there are few, and a badge is cached for a minute by whoever shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import Counter
from html import escape

from heartbeat.domain.model import Monitor, Status
from heartbeat.domain.quorum import silent
from heartbeat.domain.schedules import deadline_after_success

STATES = {  # worst first
    "down": "#e05d44",
    "late": "#dfb317",
    "up": "#4c1",
    "unknown": "#9f9f9f",
}
SHIELDS_COLOURS = {"down": "red", "late": "yellow", "up": "brightgreen", "unknown": "lightgrey"}


def monitor_state(m: Monitor, now_ms: int) -> str:
    """One monitor on a badge: down, late (past its expected time) or up. A running job is judged by
    its last success, as Healthchecks judges it: a /start does not hide that the job is late."""
    status = m.status_at(now_ms)
    if status is Status.STARTED and m.last_success_ms is not None:
        expected = deadline_after_success(m, m.last_success_ms) - m.grace_s * 1000
        return "late" if now_ms >= expected else "up"  # down only once the run times out (then alerted)
    return {Status.DOWN: "down", Status.GRACE: "late"}.get(status, "up")


def tag_state(monitors: list[Monitor], tag: str, now_ms: int) -> str:
    """down if any monitor with the tag is down, else late if any is past its expected time, else up;
    unknown for a tag no monitor has. New and paused monitors do not count: they are not watched."""
    watched = [m for m in monitors if tag in m.tags and m.status_at(now_ms) not in (Status.NEW, Status.PAUSED)]
    states = {monitor_state(m, now_ms) for m in watched}
    return next((state for state in STATES if state in states), "unknown")


def healthchecks_json(states: list[str], with_late: bool) -> dict[str, object]:
    """Healthchecks' JSON badge over the given monitors' states: its `status` is down if any is down,
    else late if any is late and `with_late` (its `json3`), else up, with the counts."""
    down, late = states.count("down"), states.count("late")
    status = "down" if down else "late" if late and with_late else "up"
    return {"status": status, "total": len(states), "grace": late, "down": down}


def check_badge_key(badge_key: str, monitor_id: str) -> str:
    """A monitor's own badge key, a UUID as Healthchecks' are: derived from the deployment's badge key,
    so it shows one monitor's state, reveals neither key, and rotates with the deployment's."""
    digest = hmac.new(badge_key.encode(), monitor_id.encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _text_width(text: str) -> int:
    # Verdana 11px, as shields.io's flat style measures it, near enough: 7 px a character.
    return 7 * len(text) + 10


def svg(label: str, state: str) -> str:
    """A flat badge: the label on grey, the state on its colour."""
    left, right = _text_width(label), _text_width(state)
    width, colour = left + right, STATES[state]
    label_text, state_text = escape(label), escape(state)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label_text}: {state_text}"><title>{label_text}: {state_text}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2:g}" y="14">{state_text}</text></g></svg>'
    )


def shields(label: str, state: str) -> dict[str, object]:
    """shields.io's endpoint format: https://img.shields.io/endpoint?url=<this URL>."""
    return {"schemaVersion": 1, "label": label, "message": state, "color": SHIELDS_COLOURS[state]}


def _label(value: str) -> str:
    """A Prometheus label value: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _header(name: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]


def prometheus(monitors: list[Monitor], now_ms: int) -> str:
    """The text exposition format: each monitor's status, seconds since its last ping and last run's
    duration; for each tag, how many monitors are up and down."""
    lines = _header("heartbeat_monitor_up", "1 if the monitor is up (or late, within its grace, or running), else 0.")
    since, durations, statuses, held, quorum = [], [], [], [], []
    by_tag: Counter[tuple[str, str]] = Counter()
    for m in monitors:
        status = m.status_at(now_ms)
        labels = f'id="{m.id}",name="{_label(m.name)}"'
        up = status in (Status.UP, Status.GRACE, Status.STARTED)
        lines.append(f"heartbeat_monitor_up{{{labels}}} {int(up)}")
        statuses.append(f'heartbeat_monitor_status{{{labels},status="{status.value}"}} 1')
        if m.last_ping_ms is not None:
            seconds = (now_ms - m.last_ping_ms) / 1000
            since.append(f"heartbeat_monitor_seconds_since_last_ping{{{labels}}} {seconds:.3f}")
        if m.last_duration_ms is not None:
            seconds = m.last_duration_ms / 1000
            durations.append(f"heartbeat_monitor_last_duration_seconds{{{labels}}} {seconds:.3f}")
        if m.depends_on:
            held.append(f"heartbeat_monitor_held{{{labels}}} {int(m.held_by is not None)}")
        if m.quorum:
            instances = m.instances or {}
            fresh = len(instances) - len(silent(m, instances, now_ms))
            quorum.append(f'heartbeat_monitor_quorum_instances{{{labels},min="{m.quorum["min"]}"}} {fresh}')
        for tag in m.tags:
            if status is Status.DOWN:
                by_tag[(tag, "down")] += 1
            elif up:
                by_tag[(tag, "up")] += 1
    lines += _header("heartbeat_monitor_status", "The monitor's status, one series per monitor.") + statuses
    lines += _header("heartbeat_monitor_seconds_since_last_ping", "Seconds since the last ping of any kind.") + since
    lines += _header("heartbeat_monitor_last_duration_seconds", "The last run's duration (/start to success).")
    lines += durations
    lines += _header("heartbeat_monitor_held", "1 if it is down while one it depends on is, its alert held.") + held
    lines += _header("heartbeat_monitor_quorum_instances", "A quorum's instances that pinged in time.") + quorum
    lines += _header("heartbeat_tag_monitors", "Monitors with the tag that are up or down.")
    for tag in sorted({t for m in monitors for t in m.tags}):
        for state in ("up", "down"):
            lines.append(f'heartbeat_tag_monitors{{tag="{_label(tag)}",status="{state}"}} {by_tag[(tag, state)]}')
    return "\n".join(lines) + "\n"
