"""`heartbeat`: the command line for the management API (Click).

Reads HEARTBEAT_API_URL and HEARTBEAT_API_KEY (or --api-url / --api-key, before or after the
subcommand). Prints tables, or the API's JSON with --output json. Only `keys bootstrap` talks to AWS
directly (it makes the first key).

  api.py            the HTTP client, the API's body limit, error messages
  session.py        the global options, the client and clock every command shares
  output.py         tables, the monitor card, relative times, text made safe for a terminal
  files.py          reading apply's YAML files (aliases bounded, allowed ${NAME}s expanded, size checked)
  monitors.py, apply.py, keys.py, subscriptions.py, alerts.py, urlkeys.py   one module per group
  hcimport.py       `import healthchecks`: a Healthchecks project's checks applied as monitors
  root.py           the `heartbeat` group, run() and main()
"""

from heartbeat_tools.cli.api import MAX_BODY_BYTES, Api, ApiError, CliError, error_message
from heartbeat_tools.cli.apply import apply_document, apply_file, export_file
from heartbeat_tools.cli.files import read_file
from heartbeat_tools.cli.output import flatten_monitor, relative, show_monitor, table
from heartbeat_tools.cli.root import heartbeat, main, run

__all__ = [
    "MAX_BODY_BYTES",
    "Api",
    "ApiError",
    "CliError",
    "apply_document",
    "apply_file",
    "error_message",
    "export_file",
    "flatten_monitor",
    "heartbeat",
    "main",
    "read_file",
    "relative",
    "run",
    "show_monitor",
    "table",
]
