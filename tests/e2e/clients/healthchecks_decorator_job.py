"""A job wrapped in the PyPI `healthchecks-decorator` (0.5.0) with `send_start=True`, run once. Runs
inside .venv-clients (tests/e2e/test_healthchecks_clients.py starts it); prints JSON: what the
job returned, or the exception the decorator let through.

    python healthchecks_decorator_job.py <ping_url> succeed|fail
"""

from __future__ import annotations

import json
import sys

from healthchecks_decorator import healthcheck


def main() -> None:
    url, outcome = sys.argv[1], sys.argv[2]

    @healthcheck(url=url, send_start=True)
    def job() -> int:
        if outcome == "fail":
            raise RuntimeError("the backup volume is full")
        return 42

    try:
        print(json.dumps({"returned": job()}))
    except RuntimeError as e:
        print(json.dumps({"raised": f"{type(e).__name__}: {e}"}))


if __name__ == "__main__":
    main()
