"""`make bench`: run every benchmark, print one table, and write it to bench/RESULTS.md.

Benchmarks print figures; they never fail the build. `python -m bench --only coldstart,warm` runs some.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import apply, capacity, coldstart, cost, localstack, requests_per_ping, sweeper, warm, windows
from bench.common import Row

SUITES = {
    "requests": requests_per_ping.run,
    "coldstart": coldstart.run,
    "warm": warm.run,
    "sweeper": sweeper.run,
    "localstack": localstack.run,
    "apply": apply.run,
    "capacity": capacity.run,
    "windows": windows.run,
}
RESULTS = Path(__file__).with_name("RESULTS.md")


def table(rows: list[Row]) -> str:
    def mark(row: Row) -> str:
        return "" if row.met is None else ("met" if row.met else "NOT MET")

    header = ["section", "figure", "value", "target", "", "note"]
    body = [[r.section, r.figure, r.value, r.target, mark(r), r.note] for r in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in body]
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--only", help=f"comma-separated: {', '.join(SUITES)}, cost")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else [*SUITES, "cost"]
    rows: list[Row] = []
    started = time.monotonic()
    handler_us = None
    for name in chosen:
        if name == "cost":
            rows += cost.run(handler_us)
            continue
        print(f"running {name} ...", flush=True)
        found = SUITES[name]()
        rows += found
        if name == "warm":
            handler_us = float(found[0].value.split()[0])
    text = table(rows)
    print("\n" + text)
    elapsed = time.monotonic() - started
    if args.only:
        return  # a partial run does not replace the full results
    RESULTS.write_text(
        f"# Benchmark results\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"`make bench` took {elapsed:.0f} s.\n\n{text}\n\n{cost.price_table()}\n"
    )
    print(f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
