"""`heartbeat run`'s parts with no process and no network: the ping addresses for each URL form, the
retries' backoff and bound, and the finish body cut to the limit."""

from __future__ import annotations

import pytest

from heartbeat_cli.job import Outcome, Tail, exit_status, report
from heartbeat_cli.pinger import Pinger, is_slug_url, where

RID = "6f1c0b0e-8a61-4f4e-9a57-0b2b1f3c2d10"
TOKEN = "0b6ff0e6-2b2c-4a8e-9d3c-51c0c9d0a6b1"


@pytest.mark.parametrize(
    ("url", "create", "address"),
    [
        (f"https://h/api/v1/heartbeat/{TOKEN}", False, f"https://h/api/v1/heartbeat/{TOKEN}/start?rid={RID}"),
        (f"https://h/ping/{TOKEN}/", False, f"https://h/ping/{TOKEN}/start?rid={RID}"),
        ("https://h/ping/AbC_dEf12-3456789012345/backup", True, f"https://h/ping/AbC_dEf12-3456789012345/backup/start?rid={RID}&create=1"),
        ("https://h/ping/k/backup?create=1", False, f"https://h/ping/k/backup/start?create=1&rid={RID}"),
    ],
)  # fmt: skip
def test_each_url_form_gets_the_action_and_run_id(url: str, create: bool, address: str) -> None:
    assert Pinger(url, print, create=create).address("start", RID) == address


def test_slug_urls_are_told_from_token_urls() -> None:
    assert is_slug_url("https://h/ping/AbC_dEf12-3456789012345/backup")
    assert not is_slug_url(f"https://h/ping/{TOKEN}") and not is_slug_url(f"https://h/ping/{TOKEN}/")
    assert not is_slug_url(f"https://h/api/v1/heartbeat/{TOKEN}")


def test_warnings_never_show_the_urls_secret_part() -> None:
    assert where(f"https://user@h.example:8443/ping/{TOKEN}?rid=x") == "https://user@h.example:8443"


class FakeTime:
    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pinger(answers: list[tuple[str | None, float | None]], budget_s: float = 10) -> tuple[Pinger, FakeTime, list]:
    time, warnings = FakeTime(), []
    p = Pinger(f"https://h/ping/{TOKEN}", warnings.append, budget_s, sleep=time.sleep, clock=time.clock)
    p._try = lambda url, body, timeout: answers.pop(0)  # type: ignore[method-assign]
    return p, time, warnings


def test_an_unreachable_deployment_is_tried_again_with_backoff_within_the_budget() -> None:
    p, time, warnings = pinger([("Connection refused", 0.0)] * 20)
    assert p.ping("start", RID) is False
    assert time.slept == [0.5, 1.0, 2.0, 4.0] and time.now < 10
    assert warnings == ["could not report the start to https://h: Connection refused (5 tries in 7.5 s)"]


def test_a_retry_after_is_waited_for_and_success_ends_the_tries() -> None:
    p, time, warnings = pinger([("HTTP 503 unavailable", 3.0), (None, None)])
    assert p.ping("3", RID, b"body") is True
    assert time.slept == [3.0] and warnings == []


def test_a_refusal_is_not_tried_again_nor_the_next_ping_sent() -> None:
    answers: list[tuple[str | None, float | None]] = [("HTTP 404 not_found: not found", None)]
    p, time, warnings = pinger(answers)
    assert p.ping("start", RID) is False and p.ping("0", RID) is False
    assert time.slept == [] and warnings == ["https://h refused the start: HTTP 404 not_found: not found"]


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (-15, 143), (-9, 137)])
def test_exit_statuses_read_as_a_shell_reads_them(returncode: int, status: int) -> None:
    assert exit_status(returncode) == status


def test_the_body_is_the_outputs_tail_then_the_notes_within_the_limit() -> None:
    outcome = Outcome(143, b"x" * 50 + b"last line", ("timed out after 5 s: sent SIGTERM",))
    note = b"\n[heartbeat run] timed out after 5 s: sent SIGTERM\n"
    assert report(outcome, 100_000) == b"x" * 50 + b"last line" + note
    assert report(outcome, len(note) + 9) == b"last line" + note
    assert report(Outcome(0, b"abc"), 2) == b"bc" and report(Outcome(0, b"abc"), 0) == b""


def test_a_body_cut_inside_a_character_starts_at_the_next_whole_one() -> None:
    assert report(Outcome(0, "é done".encode()), 6) == b" done"  # not a lone continuation byte


def test_the_tail_keeps_only_the_last_bytes() -> None:
    tail = Tail(size=10)
    for i in range(100):
        tail.add(f"{i:03d}".encode())
    assert tail.value() == b"6097098099" and len(tail.data) <= 20
