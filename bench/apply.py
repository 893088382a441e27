"""7. Monitoring as code: a 1,000-monitor file through `heartbeat apply`, in bulk."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import yaml

from bench.common import Row, moto_stack

MONITORS = 1000


def run() -> list[Row]:
    import heartbeat_cli as cli
    from tests.harness import HandlerApi

    doc = {
        "version": "1",
        "monitors": [
            {"name": f"job {i:04d}", "config": {"expectedInterval": 3600, "gracePeriod": 300}, "tags": ["bulk"]}
            for i in range(MONITORS)
        ],
    }
    rows = []
    # moto applies writes one at a time (it is not thread-safe), so these are upper bounds: the
    # deployed API writes APPLY_WORKERS (8) monitors at once.
    with moto_stack({"APPLY_WORKERS": "1"}) as stack, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "heartbeat.yml"
        path.write_text(yaml.safe_dump(doc))
        api = HandlerApi(stack)
        for label in ("first apply (creates)", "second apply (no change)"):
            calls = stack.count_calls()
            started = time.perf_counter()
            out = cli.apply_file(api, str(path), dry_run=False, prune="managed", progress=io.StringIO())
            seconds = time.perf_counter() - started
            writes = sum(op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems") for op in calls)
            note = f"{out.splitlines()[-1]} {writes} DynamoDB writes; moto, one write at a time"
            rows.append(Row("apply", f"{MONITORS:,} monitors, {label}", f"{seconds:.1f} s", "seconds", None, note))
            calls.clear()
        started = time.perf_counter()
        exported = cli.export_file(api, None)
        seconds = time.perf_counter() - started
        rows.append(
            Row("apply", f"export {MONITORS:,} monitors", f"{seconds:.1f} s", note=f"{len(exported):,} bytes of YAML")
        )
    return rows
