"""A local HTTP server standing in for Slack, PagerDuty and the rest: records every request, and
answers from a script (a status, a Retry-After, a delay), so tests see the exact payloads and can
make a target fail the way real ones do."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0  # longer than the sender's timeout: a target that hangs
    location: str | None = None  # with a 3xx: where it redirects to


class TargetServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Answer] = []  # answers for the next requests, in order; then 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.received.append(Received(self.command, self.path, headers, body))
                answer = server.script.pop(0) if server.script else Answer()
                time.sleep(answer.delay_s)
                self.send_response(answer.status)
                if answer.retry_after is not None:
                    self.send_header("retry-after", answer.retry_after)
                if answer.location is not None:
                    self.send_header("location", answer.location)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_PUT = do_DELETE = do_POST  # recorded too: where a followed redirect would arrive

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
