"""Badges (`/badge/<badge key>/<tag>.svg|.json`) and Prometheus metrics (`/metrics/<read key>`):
their exact output, and who may see them."""

from __future__ import annotations

from tests.harness import Stack

T = 1_795_572_000_000  # 2026-11-25T02:00:00Z


def badge_prefix(stack: Stack) -> str:
    reply = stack.request("GET", "/api/v1/badge-key")
    assert reply.status == 200
    return str(reply.json()["badgeUrlPrefix"]).removeprefix("https://api.example.com")


def get(stack: Stack, path: str) -> tuple[int, str, str]:
    reply = stack.request("GET", path, key=None)
    return reply.status, reply.headers.get("content-type", ""), reply.body.decode()


def test_a_tag_badge_is_up_late_or_down(stack: Stack) -> None:
    stack.clock.now = T
    backup = stack.create_monitor("Nightly Backup", interval=60, grace=30, tags=["infrastructure"])
    prefix = badge_prefix(stack)
    status, media, body = get(stack, f"{prefix}infrastructure.svg")
    assert (status, media) == (200, "image/svg+xml")
    assert 'aria-label="infrastructure: unknown"' in body  # not watched before its first ping
    stack.ping(backup["token"])
    _, _, body = get(stack, f"{prefix}infrastructure.svg")
    assert body == (
        '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="20" role="img" '
        'aria-label="infrastructure: up"><title>infrastructure: up</title>'
        '<rect width="108" height="20" fill="#555"/><rect x="108" width="24" height="20" fill="#4c1"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        '<text x="54" y="14">infrastructure</text><text x="120" y="14">up</text></g></svg>'
    )
    stack.clock.advance(70)  # past the expected time, within the grace
    assert 'aria-label="infrastructure: late"' in get(stack, f"{prefix}infrastructure.svg")[2]
    stack.clock.advance(30)
    stack.sweep()
    _, _, body = get(stack, f"{prefix}infrastructure.svg")
    assert 'aria-label="infrastructure: down"' in body and 'fill="#e05d44"' in body
    assert backup["token"] not in body and "Nightly" not in body  # a badge shows the state, nothing else


def test_a_running_job_past_its_expected_time_is_late(stack: Stack) -> None:
    # A /start does not hide that the job is late: the badge judges it by its last success
    stack.clock.now = T
    backup = stack.create_monitor("Nightly Backup", interval=60, grace=30, tags=["infrastructure"])
    stack.ping(backup["token"])
    prefix = badge_prefix(stack)
    stack.clock.advance(50)
    stack.ping(backup["token"], "/start")
    assert 'aria-label="infrastructure: up"' in get(stack, f"{prefix}infrastructure.svg")[2]
    stack.clock.advance(20)  # past the expected time, the run still within its own window
    assert 'aria-label="infrastructure: late"' in get(stack, f"{prefix}infrastructure.svg")[2]


def test_the_json_badge_is_shields_endpoint_format(stack: Stack) -> None:
    monitor = stack.create_monitor("Reports", tags=["reporting"])
    stack.ping(monitor["token"])
    status, media, body = get(stack, f"{badge_prefix(stack)}reporting.json")
    assert (status, media) == (200, "application/json")
    assert body == '{"schemaVersion": 1, "label": "reporting", "message": "up", "color": "brightgreen"}'


def test_badges_need_the_current_badge_key_and_a_known_file(stack: Stack) -> None:
    prefix = badge_prefix(stack)
    key = prefix.split("/")[2]
    assert get(stack, f"/badge/{'A' * 22}/x.svg")[0] == 404
    assert get(stack, "/badge/short/x.svg")[0] == 404
    assert get(stack, f"{prefix}x.png")[0] == 404
    assert get(stack, f"{prefix}.svg")[0] == 404
    rotated = stack.request("POST", "/api/v1/badge-key/rotate").json()["badgeKey"]
    assert rotated != key and get(stack, f"{prefix}x.svg")[0] == 404
    assert get(stack, f"/badge/{rotated}/x.svg")[0] == 200
    read = stack.make_key("read")
    assert stack.request("GET", "/api/v1/badge-key", key=read).status == 403


def test_metrics_in_the_prometheus_text_format(stack: Stack) -> None:
    stack.clock.now = T
    backup = stack.create_monitor("Nightly Backup", interval=60, grace=30, tags=["infrastructure", "db"])
    odd = stack.create_monitor('Say "hi"\\now', interval=3600, grace=60, tags=["infrastructure"])
    stack.ping(backup["token"], "/start")
    stack.clock.advance(12.5)
    stack.ping(backup["token"])
    stack.ping(odd["token"])
    stack.clock.advance(100)
    stack.sweep()  # Nightly Backup is down
    status, media, body = get(stack, f"/metrics/{stack.make_key('read')}")
    assert (status, media) == (200, "text/plain; version=0.0.4; charset=utf-8")
    b, o = f'id="{backup["id"]}",name="Nightly Backup"', f'id="{odd["id"]}",name="Say \\"hi\\"\\\\now"'
    lines = body.splitlines()
    assert lines[:2] == [
        "# HELP heartbeat_monitor_up 1 if the monitor is up (or late, within its grace, or running), else 0.",
        "# TYPE heartbeat_monitor_up gauge",
    ]
    assert f"heartbeat_monitor_up{{{b}}} 0" in lines and f"heartbeat_monitor_up{{{o}}} 1" in lines
    assert f'heartbeat_monitor_status{{{b},status="down"}} 1' in lines
    assert f"heartbeat_monitor_seconds_since_last_ping{{{b}}} 100.000" in lines
    assert f"heartbeat_monitor_last_duration_seconds{{{b}}} 12.500" in lines
    assert not any(line.startswith(f"heartbeat_monitor_last_duration_seconds{{{o}}}") for line in lines)
    assert lines[-4:] == [
        'heartbeat_tag_monitors{tag="db",status="up"} 0',
        'heartbeat_tag_monitors{tag="db",status="down"} 1',
        'heartbeat_tag_monitors{tag="infrastructure",status="up"} 1',
        'heartbeat_tag_monitors{tag="infrastructure",status="down"} 1',
    ]
    assert backup["token"] not in body


def test_metrics_take_a_read_key_only(stack: Stack) -> None:
    assert get(stack, f"/metrics/{stack.admin_key}")[0] == 403  # an admin key does not belong in a URL
    assert get(stack, "/metrics/hb_not-a-key")[0] == 401


def test_the_cli_shows_and_rotates_the_badge_key(stack: Stack) -> None:
    import heartbeat_cli as cli
    from tests.harness import HandlerApi

    api = HandlerApi(stack)
    shown = cli.run(["badge-key", "show"], api=api)
    key = shown.split("\n", 1)[0]
    assert f"/badge/{key}/<tag>.svg" in shown
    rotated = cli.run(["badge-key", "rotate"], api=api)
    assert rotated.split("\n", 1)[0] != key
