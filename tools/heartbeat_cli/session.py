"""What every command shares: the global options (accepted before or after the subcommand, as the
AWS CLI takes them), the API client they make, and the clock relative times are counted from."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

import click

from heartbeat_cli.api import TIMEOUT_SECONDS, Api
from heartbeat_cli.output import colour_wanted

F = TypeVar("F", bound=Callable[..., Any])


class ExitWith(str):
    """What a command prints, and the exit status it ends with when that is not 0 (`heartbeat status`
    with a monitor down; `heartbeat run`, the job's own status)."""

    status: int

    def __new__(cls, text: str, status: int) -> ExitWith:
        made = super().__new__(cls, text)
        made.status = status
        return made


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Session:
    client: Any = None  # an API client to use instead of one over HTTP (tests: harness.HandlerApi)
    clock: Callable[[], datetime] = _utcnow
    given: dict[str, str] = field(default_factory=dict)  # global options given: the last one wins
    api_timeout: float = TIMEOUT_SECONDS  # seconds a request may take (`heartbeat run` takes less)

    @property
    def colour(self) -> bool:
        return colour_wanted(sys.stdout)

    @property
    def as_json(self) -> bool:
        return self.given.get("output") == "json"

    @cached_property
    def api(self) -> Any:
        if self.client is not None:
            return self.client
        return Api(
            self.given.get("api_url", os.environ.get("HEARTBEAT_API_URL")),
            self.given.get("api_key", os.environ.get("HEARTBEAT_API_KEY")),
            self.api_timeout,
        )

    def now(self) -> datetime:
        return self.clock()

    def show(self, result: Any, text: Callable[[Any], str]) -> str:
        """The API's JSON with --output json, else `text(result)`."""
        return json.dumps(result, indent=2) if self.as_json else text(result)


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name and not ctx.resilient_parsing:
        ctx.ensure_object(Session).given[param.name] = value


GLOBAL_OPTIONS = [
    click.option(
        "--output", "-o", type=click.Choice(["table", "json"]), expose_value=False, callback=_remember,
        help="table (default), or the API's JSON",
    ),
    click.option("--api-url", expose_value=False, callback=_remember, help="default: $HEARTBEAT_API_URL"),
    click.option("--api-key", expose_value=False, callback=_remember, help="default: $HEARTBEAT_API_KEY"),
]  # fmt: skip


def global_options(f: F) -> F:
    """--output, --api-url, --api-key on this command or group too, so they may come anywhere."""
    for option in reversed(GLOBAL_OPTIONS):
        f = option(f)
    return f


# A command's first argument: the Session (the one run() passes in, or a new one).
pass_session = click.make_pass_decorator(Session, ensure=True)
