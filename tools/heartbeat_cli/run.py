"""`heartbeat run -- <command>`: runs a job and reports it, so nobody hand-writes /start, rid and /$?.

The start is reported while the job already runs (finding the monitor through the API and a slow
deployment delay nothing); the finish, with the same run id, after it, with the last part of the
job's output as its body. Monitoring never breaks the job: whatever goes wrong with the pings is a
warning on stderr, and the wrapper always ends with the job's own exit status."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from typing import Any

import click
from click.core import ParameterSource

from heartbeat_cli.api import ApiError, CliError
from heartbeat_cli.job import Job, Outcome, report
from heartbeat_cli.monitors import config_body
from heartbeat_cli.names import SLUG_RE, NotFoundByName, find_monitor
from heartbeat_cli.output import printable
from heartbeat_cli.pinger import FIRST_DELAY_S, MAX_DELAY_S, RETRIED_STATUSES, Pinger, is_slug_url
from heartbeat_cli.session import ExitWith, Session, global_options, pass_session

HELP = """Run COMMAND and report it to a monitor: /start with a new run id, then /<exit status> with
the same id and the last part of its output (up to the deployment's ping body limit) as the body.
Its stdin, stdout and stderr are its own as before; signals sent to heartbeat run (SIGTERM, SIGINT,
SIGHUP) are passed on to it; heartbeat run ends with its exit status (128 + N when signal N ended it).

Pings are tried again with backoff for --ping-timeout seconds; a deployment that cannot be reached
is a warning on stderr, never a job that does not run.

\b
  heartbeat run --url https://<api>/ping/<uuid> -- backup.sh --full
  heartbeat run --monitor nightly-backup -- pg_dump mydb      # id, slug or name (needs an admin API key)
  HEARTBEAT_PING_URL=https://<api>/ping/<ping key>/backup heartbeat run --create -- backup.sh
"""
SCHEDULE_FLAGS = ("expectedInterval", "schedule", "timezone", "gracePeriod")  # API names, as config_body reads


def warn(message: str) -> None:
    """One line on stderr; what the deployment answered cannot drive the terminal or forge lines."""
    print(f"heartbeat run: {printable(message)}", file=sys.stderr, flush=True)


class Monitoring:
    """Where the pings go (found in the background, while the job runs), and the run's pings."""

    def __init__(self, find: Any, ping_timeout: float, create: bool) -> None:
        self.rid = str(uuid.uuid4())
        self.pinger: Pinger | None = None
        self.find, self.ping_timeout, self.create = find, ping_timeout, create
        self.thread = threading.Thread(target=self._start, daemon=True)
        self.thread.start()

    def _start(self) -> None:
        try:
            url = self.find()
            if url is None:
                return
            self.pinger = Pinger(url, warn, self.ping_timeout, self.create)
            self.pinger.ping("start", self.rid)
        except Exception as e:  # whatever it is, the job runs on, unmonitored if need be
            warn(f"the start was not reported: {type(e).__name__}: {e}")

    def finish(self, outcome: Outcome) -> None:
        # Each ping is bounded by its budget; a name that never resolves could hold the start longer.
        self.thread.join(self.ping_timeout * 2 + 5)
        if self.pinger is None:
            return
        try:
            self.pinger.ping(str(outcome.status), self.rid, report(outcome, self.pinger.body_limit))
        except Exception as e:  # the job's status is what this run returns, come what may
            warn(f"the finish was not reported: {type(e).__name__}: {e}")


def ping_url_of(session: Session, ref: str, create_with: dict[str, Any] | None, budget_s: float) -> str | None:
    """The ping URL of the monitor `ref` names (made first, with `create_with`, if none does), asking
    the API again with backoff while it cannot be reached; None, said why, when it cannot be had."""
    session.api_timeout = min(session.api_timeout, budget_s)
    started, delay = time.monotonic(), FIRST_DELAY_S
    while True:
        try:
            monitor = find_or_create(session, ref, create_with)
            break
        except ApiError as e:
            problem, again = str(e), e.status in RETRIED_STATUSES
        except CliError as e:  # unreachable, or no URL or key given
            problem, again = str(e), str(e).startswith(("cannot reach", "no answer"))
        if not again or time.monotonic() - started + delay >= budget_s:
            warn(f"cannot find the monitor {ref!r}: {problem}; the job runs unmonitored")
            return None
        time.sleep(delay)
        delay = min(delay * 2, MAX_DELAY_S)
    if not monitor.get("pingUrl"):
        warn(f"the API key cannot see {ref!r}'s ping URL (a read key?): the job runs unmonitored")
        return None
    return str(monitor["pingUrl"])


def one_address(url: str | None, ref: str | None) -> tuple[str | None, str | None]:
    """--url or --monitor; given one on the command line and the other in the environment (a
    HEARTBEAT_PING_URL exported for other jobs), the command line's."""
    if not (url and ref):
        return url, ref
    source = click.get_current_context().get_parameter_source
    from_env = {name for name in ("url", "ref") if source(name) is ParameterSource.ENVIRONMENT}
    if from_env == {"url"}:
        return None, ref
    if from_env == {"ref"}:
        return url, None
    if from_env == {"url", "ref"}:  # both exported for other jobs: the job still runs, to the URL
        warn("$HEARTBEAT_PING_URL and $HEARTBEAT_MONITOR are both set: pinging $HEARTBEAT_PING_URL")
        return url, None
    raise click.UsageError("give one of --url or --monitor, not both")


def find_or_create(session: Session, ref: str, create_with: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return find_monitor(session.api, ref)
    except NotFoundByName:
        if create_with is None:
            raise
    body = {"name": ref, "type": "HEARTBEAT", **create_with}
    if SLUG_RE.match(ref):
        body["slug"] = ref
    return dict(session.api.call("POST", "/api/v1/monitors", body))


@click.command(
    "run",
    help=HELP,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    short_help="run a job and report its start, exit status and output",
)
@click.option("--url", envvar="HEARTBEAT_PING_URL", help="the ping URL (default: $HEARTBEAT_PING_URL)")
@click.option(
    "--monitor", "ref", envvar="HEARTBEAT_MONITOR", help="id, slug or name, found through the API ($HEARTBEAT_MONITOR)"
)
@click.option("--create", is_flag=True, help="make the monitor if missing: ?create=1 on a slug URL, or through the API")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="seconds the job may run (then SIGTERM)")
@click.option(
    "--ping-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
    help="seconds each ping may take, its tries again included",
)  # fmt: skip
@click.option("--expected-interval", "expectedInterval", type=int, help="with --monitor --create: seconds between runs")
@click.option("--schedule", help="with --monitor --create: a cron expression instead")
@click.option("--timezone", help="with --monitor --create: the schedule's IANA timezone")
@click.option("--grace-period", "gracePeriod", type=int, help="with --monitor --create: seconds of lateness tolerated")
@click.option("--tag", multiple=True, help="with --monitor --create: repeatable")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@global_options
@pass_session
def run_command(
    session: Session,
    url: str | None,
    ref: str | None,
    create: bool,
    timeout: float | None,
    ping_timeout: float,
    tag: tuple[str, ...],
    command: tuple[str, ...],
    **settings: Any,
) -> ExitWith:
    url, ref = one_address(url, ref)
    if (any(settings[f] is not None for f in SCHEDULE_FLAGS) or tag) and not (create and ref):
        raise click.UsageError(
            "--expected-interval, --schedule, --timezone, --grace-period and --tag need --monitor --create"
        )
    create_with = {"config": config_body(settings), "tags": list(tag)} if create and ref else None
    if create and url and not is_slug_url(url):
        warn("--create takes a /ping/<ping key>/<slug> URL; this one addresses its monitor by token, as it is")

    def find() -> str | None:
        if url:
            return url
        if ref:
            return ping_url_of(session, ref, create_with, ping_timeout)
        warn("no ping URL (--url, $HEARTBEAT_PING_URL, --monitor or $HEARTBEAT_MONITOR): the job runs unmonitored")
        return None

    monitoring = Monitoring(find, ping_timeout, create=bool(create and url and is_slug_url(url)))
    outcome = Job(command, timeout).run()
    monitoring.finish(outcome)
    return ExitWith("", outcome.status)
