"""`heartbeat ping-key ...` and `heartbeat badge-key ...`: the keys in ping and badge URLs."""

from __future__ import annotations

from typing import Any

import click

from heartbeat_cli.session import Session, global_options, pass_session


def ping_key_text(result: dict[str, Any]) -> str:
    url = f"{result['pingUrlPrefix']}<slug>"
    return f"{result['pingKey']}\n\nPing a monitor by its slug:  curl -fsS --retry 3 -o /dev/null {url}"


def badge_key_text(result: dict[str, Any]) -> str:
    prefix = result["badgeUrlPrefix"]
    return f"{result['badgeKey']}\n\nA tag's badge:  {prefix}<tag>.svg  (shields.io: {prefix}<tag>.json)"


@click.group("ping-key", help="the ping key for /ping/<ping key>/<slug> URLs")
@global_options
def ping_key() -> None:
    pass


@ping_key.command("show", help="show it (made on first use)")
@global_options
@pass_session
def show_ping_key(session: Session) -> str:
    return session.show(session.api.call("GET", "/api/v1/ping-key"), ping_key_text)


@ping_key.command("rotate", help="replace it; slug URLs with the old key stop working")
@global_options
@pass_session
def rotate_ping_key(session: Session) -> str:
    return session.show(session.api.call("POST", "/api/v1/ping-key/rotate"), ping_key_text)


@click.group("badge-key", help="the badge key for /badge/<badge key>/<tag>.svg URLs")
@global_options
def badge_key() -> None:
    pass


@badge_key.command("show", help="show it (made on first use)")
@global_options
@pass_session
def show_badge_key(session: Session) -> str:
    return session.show(session.api.call("GET", "/api/v1/badge-key"), badge_key_text)


@badge_key.command("rotate", help="replace it; badges with the old key stop working")
@global_options
@pass_session
def rotate_badge_key(session: Session) -> str:
    return session.show(session.api.call("POST", "/api/v1/badge-key/rotate"), badge_key_text)
