"""The local stack as a child process, and a webhook that receives its alerts: what the e2e tests
and the benchmarks drive, the way a user drives `make dev`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from heartbeat_local.template import ROOT

CLI = str(Path(sys.executable).with_name("heartbeat"))


class Webhook:
    """A local HTTP endpoint subscribed to the alerts topic; records each SNS notification and when it came."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                hook.received.append((time.time(), json.loads(body)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(n["Message"]) for _, n in self.received if n.get("Type") == "Notification"]

    def arrivals(self) -> list[tuple[float, dict[str, Any]]]:
        return [(at, json.loads(n["Message"])) for at, n in self.received if n.get("Type") == "Notification"]

    def close(self) -> None:
        self.server.shutdown()


class LocalStackProcess:
    """`python -m heartbeat_local.devserver` on a free port, with the given state dir and settings."""

    def __init__(
        self,
        state_dir: Path,
        webhook: str | None,
        admin_key: str,
        sweep_seconds: float = 0.5,
        fresh: bool = False,
        detection: str = "minute",
    ) -> None:
        self.admin_key = admin_key
        env = {
            **os.environ,
            "HEARTBEAT_PORT": "0",
            "HEARTBEAT_SWEEP_SECONDS": str(sweep_seconds),
            "HEARTBEAT_DETECTION": detection,
            "HEARTBEAT_STATE_DIR": str(state_dir),
            "HEARTBEAT_ADMIN_KEY": admin_key,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("AWS_ENDPOINT_URL", None)
        if webhook:
            env["HEARTBEAT_LOCAL_WEBHOOK"] = webhook
        args = [sys.executable, "-m", "heartbeat_local.devserver"] + (["--fresh"] if fresh else [])
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout
            for line in self.proc.stdout:
                self.lines.append(line)
                if "ready on" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            self.proc.kill()
            raise RuntimeError("local stack did not start:\n" + "".join(self.lines))
        [port] = re.findall(r"ready on http://127\.0\.0\.1:(\d+)", "".join(self.lines))
        self.url = f"http://127.0.0.1:{port}"

    def cli(self, *args: str) -> Any:
        """Run the `heartbeat` CLI against this stack; its JSON output."""
        env = {**os.environ, "HEARTBEAT_API_URL": self.url, "HEARTBEAT_API_KEY": self.admin_key}
        done = subprocess.run([CLI, "--output", "json", *args], env=env, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"heartbeat {' '.join(args)}: {done.stderr}")
        return json.loads(done.stdout)

    def stop(self) -> int:
        """Ctrl-C, as a user would; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise RuntimeError("local stack did not stop:\n" + "".join(self.lines[-200:])) from None
