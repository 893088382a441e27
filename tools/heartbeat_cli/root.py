"""The `heartbeat` command: its groups, and main() with its exit statuses (0 done, 1 an error the
command explains, 2 a usage error)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from heartbeat_cli.alerts import alerts
from heartbeat_cli.api import CliError
from heartbeat_cli.apply import apply, export
from heartbeat_cli.discover import discover
from heartbeat_cli.hcimport import import_group
from heartbeat_cli.keys import keys
from heartbeat_cli.maintenance import maintenance
from heartbeat_cli.monitors import monitors
from heartbeat_cli.overview import incidents, status
from heartbeat_cli.run import run_command
from heartbeat_cli.session import ExitWith, Session, global_options
from heartbeat_cli.subscriptions import subscriptions
from heartbeat_cli.urlkeys import badge_key, ping_key

PROG = "heartbeat"  # completion: _HEARTBEAT_COMPLETE=bash_source heartbeat


@click.group(PROG, help="Manage Heartbeat monitors.", context_settings={"help_option_names": ["-h", "--help"]})
@global_options
def heartbeat() -> None:
    pass


for command in (
    run_command,
    status,
    monitors,
    incidents,
    subscriptions,
    maintenance,
    alerts,
    apply,
    export,
    discover,
    import_group,
    ping_key,
    badge_key,
    keys,
):
    heartbeat.add_command(command)


def run(argv: Sequence[str] | None = None, api: Any = None, clock: Callable[[], datetime] | None = None) -> str:
    """Run one command and return what it prints (an ExitWith when it ends with another status than 0).
    `api` stands in for the HTTP client (tests pass a harness.HandlerApi), `clock` for the time
    relative times count from. Raises CliError, and click's UsageError for a bad command line;
    `--help` prints the help and returns ""."""
    session = Session(client=api) if clock is None else Session(client=api, clock=clock)
    args = list(argv) if argv is not None else sys.argv[1:]
    result = heartbeat.main(args, prog_name=PROG, obj=session, standalone_mode=False)
    return result if isinstance(result, str) else ""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        out = run(argv)
    except CliError as e:
        print(f"heartbeat: {e}", file=sys.stderr)
        return 1
    except click.ClickException as e:  # a usage error: what is wrong, and where the help is
        e.show()
        return e.exit_code
    except click.Abort:
        print("Aborted!", file=sys.stderr)
        return 1
    except Exception as e:  # boto3's errors when bootstrapping a key: say what AWS said, no traceback
        if type(e).__module__.startswith("botocore"):
            print(f"heartbeat: AWS: {e}", file=sys.stderr)
            return 1
        raise
    if out:
        print(out)
    return out.status if isinstance(out, ExitWith) else 0


if __name__ == "__main__":
    sys.exit(main())
