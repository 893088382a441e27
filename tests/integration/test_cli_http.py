"""Issue 17 (4): the CLI's HTTP client against a tiny server of our own on 127.0.0.1: an API's 413
reads as "too large" with its message, a connection dropped while uploading is not "cannot reach the
API", and files or bodies the API would refuse are refused before anything is sent."""

from __future__ import annotations

import json
import threading
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import heartbeat_cli as cli
from tests.unit.test_cli_files import alias_bomb

APP_413 = {"error": {"code": "payload_too_large", "message": "the request body is over 5,000,000 bytes; split it"}}


class FakeApi(ThreadingHTTPServer):
    """Answers every request with `status` and `body`; `read_body=False` answers before reading the
    request body and hangs up, as API Gateway and our local stack do with a body over their limit."""

    daemon_threads = True

    def __init__(self) -> None:
        self.status, self.body, self.read_body = 200, b"{}", True
        self.requests: list[tuple[str, str, int]] = []  # method, path, body bytes received
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeApi

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = len(self.rfile.read(length)) if self.server.read_body else 0
        self.server.requests.append((self.command, self.path, received))
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        if not self.server.read_body:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(self.server.body)

    do_GET = do_PATCH = do_DELETE = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[FakeApi]:
    server = FakeApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def heartbeat(server: FakeApi, *argv: str) -> list[str]:
    return ["--api-url", server.url, "--api-key", "k", *argv]


def test_an_apis_413_reads_as_too_large_with_its_message(server: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    server.status, server.body = 413, json.dumps(APP_413).encode()
    assert cli.main(heartbeat(server, "monitors", "create", "--name", "x")) == 1
    err = capsys.readouterr().err
    assert err == "heartbeat: too large: the request body is over 5,000,000 bytes; split it (HTTP 413)\n"


def test_api_gateways_own_413_reads_as_too_large(server: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    server.status, server.body = 413, b'{"message":"Request Entity Too Large"}'
    assert cli.main(heartbeat(server, "monitors", "create", "--name", "x")) == 1
    assert capsys.readouterr().err == "heartbeat: too large: Request Entity Too Large (HTTP 413)\n"


def test_a_413_answered_mid_upload_is_not_cannot_reach_the_api(server: FakeApi) -> None:
    # Answered and hung up on before the 4.9 MB body is read: the client sees the 413, or a broken
    # pipe or reset while still sending, depending on timing; each must read as too large.
    server.status, server.body, server.read_body = 413, b'{"message":"Request Entity Too Large"}', False
    with pytest.raises(cli.CliError) as e:
        cli.Api(server.url, "k").call("POST", "/api/v1/apply", {"monitors": ["x" * 4_900_000]})
    assert str(e.value).startswith("too large") and "cannot reach" not in str(e.value)


@pytest.mark.parametrize("dropped", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_a_connection_dropped_while_sending_says_the_body_was_likely_too_large(
    dropped: OSError, monkeypatch: pytest.MonkeyPatch
) -> None:
    def urlopen(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError(dropped)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    with pytest.raises(cli.CliError) as e:
        cli.Api("http://127.0.0.1:9", "k").call("POST", "/api/v1/apply", {"monitors": []})
    assert str(e.value).startswith("too large? the API closed the connection while the request body (")
    assert "at most 5,000,000 bytes" in str(e.value)


def test_a_body_over_the_apis_limit_is_refused_before_sending(server: FakeApi) -> None:
    with pytest.raises(cli.CliError, match="over the API's limit of 5,000,000 bytes; nothing was sent"):
        cli.Api(server.url, "k").call("POST", "/api/v1/monitors", {"name": "x" * cli.MAX_BODY_BYTES})
    assert server.requests == []


def test_apply_refuses_an_alias_bomb_before_sending(
    server: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(alias_bomb())
    assert cli.main(heartbeat(server, "apply", "-f", str(bomb))) == 1
    assert capsys.readouterr().err == (
        f"heartbeat: {bomb}: its YAML aliases expand past 100,000 nodes (an alias bomb?); refused before sending\n"
    )
    assert server.requests == []


def test_apply_refuses_a_file_over_the_body_limit_before_sending(
    server: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.yml"
    big.write_text(f'version: "1"\nnote: &n "{"x" * 60_000}"\nmonitors: [{", ".join(["{name: a, d: *n}"] * 90)}]\n')
    assert cli.main(heartbeat(server, "apply", "-f", str(big), "--dry-run")) == 1
    err = capsys.readouterr().err
    assert "too large" in err and "over the API's limit of 5,000,000 bytes" in err and "split it" in err
    assert server.requests == []
