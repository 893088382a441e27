"""2. Cold start: what importing each function's module costs in a fresh process, against
`import boto3` alone (median of several fresh processes, interleaved).

The layer is rebuilt for this machine the way layers/common/Makefile builds it for Lambda
(dependencies plus `heartbeat`, with unchecked-hash bytecode), and once more without bytecode,
as a plain `sam build` of a Python layer would ship it. boto3 comes precompiled, as in the runtime.
Two figures per function: its imports alone, and its whole init (imports plus module-level work:
settings, the DynamoDB client, the resolver), which is what a cold start pays before the handler.
Each figure is the minimum over the runs: noise on a shared machine only ever adds time, so the
minimum is the steadiest estimate of the cost itself (as `timeit` advises).
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import FAKE_AWS, Row
from heartbeat_local.template import ROOT

RUNS = 15
ENV = {
    **FAKE_AWS,
    "TABLE_NAME": "bench",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:bench",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "PYTHONDONTWRITEBYTECODE": "1",  # /opt is read-only on Lambda: nothing compiled at run time is kept
}


def build_layer(target: Path, bytecode: bool) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(target),
            "-r",
            str(ROOT / "layers/common/requirements.txt"),
        ],
        check=True,
        capture_output=True,
    )
    shutil.copytree(
        ROOT / "layers/common/heartbeat", target / "heartbeat", ignore=shutil.ignore_patterns("__pycache__")
    )
    if bytecode:
        compileall.compile_dir(
            str(target), quiet=1, workers=0, invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
        )


def import_us(module: str, cwd: Path, layer: Path) -> tuple[int, int]:
    """(self, cumulative) microseconds of importing `module`, in a fresh process."""
    env = {**os.environ, **ENV, "PYTHONPATH": str(layer)}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    [(own, total)] = re.findall(rf"import time:\s+(\d+) \|\s+(\d+) \| {re.escape(module)}$", done.stderr, re.M)
    return int(own), int(total)


def run() -> list[Row]:
    functions = {name: ROOT / "functions" / name for name in ("ping", "api", "sweeper")}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        layers = {"bytecode": Path(tmp) / "with", "source only": Path(tmp) / "without"}
        for label, path in layers.items():
            build_layer(path, bytecode=label == "bytecode")
        boto3: list[float] = []
        imports: dict[tuple[str, str], list[float]] = {}
        init: dict[tuple[str, str], list[float]] = {}
        for _ in range(RUNS):  # interleaved, so drift in the machine's load hits every figure alike
            boto3.append(import_us("boto3", ROOT, layers["bytecode"])[1] / 1000)
            for label, layer in layers.items():
                for name, path in functions.items():
                    own, total = import_us("app", path, layer)
                    imports.setdefault((name, label), []).append((total - own) / 1000)
                    init.setdefault((name, label), []).append(total / 1000)
    base = min(boto3)
    rows.append(Row("cold start", "import boto3 alone", f"{base:.0f} ms", note=f"minimum of {RUNS} fresh processes"))
    for name in functions:
        for label in layers:
            imp, whole = min(imports[(name, label)]), min(init[(name, label)])
            shipped = label == "bytecode"
            target, met = ("<= 1.30x", imp / base <= 1.3) if name == "ping" and shipped else ("", None)
            rows.append(
                Row(
                    "cold start",
                    f"{name}: imports, layer with {label}",
                    f"{imp:.0f} ms = {imp / base:.2f}x",
                    target,
                    met,
                )
            )
            rows.append(
                Row(
                    "cold start",
                    f"{name}: whole init, layer with {label}",
                    f"{whole:.0f} ms = {whole / base:.2f}x",
                    note="imports + settings, DynamoDB client, resolver" if name == "ping" else "",
                )
            )
    return rows
