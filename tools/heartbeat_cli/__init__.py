"""`heartbeat`: the command line for the management API (Click).

Reads HEARTBEAT_API_URL and HEARTBEAT_API_KEY (or --api-url / --api-key, before or after the
subcommand). Prints tables, or the API's JSON with --output json. Only `keys bootstrap` talks to AWS
directly (it makes the first key).

  api.py            the HTTP client, the API's body limit, error messages
  session.py        the global options, the client and clock every command shares
  output.py         tables cut to a width, times absolute and relative, colour, text made safe for a terminal
  views.py          the tables of monitors, pings and incidents, and a monitor's card (words: heartbeat.domain.words)
  files.py          reading apply's YAML files (aliases bounded, allowed ${NAME}s expanded, size checked)
  names.py          a monitor named by its id, slug or exact name
  monitors.py, apply.py, keys.py, subscriptions.py, alerts.py, urlkeys.py   one module per group
  run.py            `heartbeat run -- <job>`: the job (job.py) reported by its pings (pinger.py, stdlib only)
  hcimport.py       `import healthchecks`: a Healthchecks project's checks applied as monitors
  root.py           the `heartbeat` group, run() and main()
"""

from heartbeat_cli.api import MAX_BODY_BYTES, Api, ApiError, CliError, error_message
from heartbeat_cli.apply import apply_document, apply_file, export_file
from heartbeat_cli.files import read_file
from heartbeat_cli.output import relative, table
from heartbeat_cli.root import heartbeat, main, run
from heartbeat_cli.views import show_monitor

__all__ = [
    "MAX_BODY_BYTES",
    "Api",
    "ApiError",
    "CliError",
    "apply_document",
    "apply_file",
    "error_message",
    "export_file",
    "heartbeat",
    "main",
    "read_file",
    "relative",
    "run",
    "show_monitor",
    "table",
]
