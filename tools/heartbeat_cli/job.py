"""The job `heartbeat run` wraps: started with the wrapper's stdin, its stdout and stderr passed
through unchanged while their last part is kept for the finish ping, signals sent to the wrapper
passed on to it, and its exit status read as a shell reads it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import IO, Any

TAIL_BYTES = 350_000  # the largest body limit a deployment can set (MAX_PING_BODY_BYTES); cut to its own later
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
KILL_AFTER_S = 10.0  # a job past --timeout gets SIGTERM, and SIGKILL this long after
DRAIN_S = 2.0  # output still arriving after the job exits (a process it left behind holds the pipe)
CHUNK = 65_536


@dataclass(frozen=True)
class Outcome:
    status: int  # as a shell has it: the exit status, or 128 + N when signal N ended the job
    tail: bytes  # the last TAIL_BYTES of stdout and stderr, in the order they came
    notes: tuple[str, ...] = ()  # what happened to the job besides its output: signals, a timeout


class Tail:
    """The last `size` bytes written, from any thread."""

    def __init__(self, size: int = TAIL_BYTES) -> None:
        self.size, self.data, self.lock = size, bytearray(), threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            self.data += chunk
            if len(self.data) > 2 * self.size:  # trim now and then, not on every chunk
                del self.data[: -self.size]

    def value(self) -> bytes:
        with self.lock:
            return bytes(self.data[-self.size :])


def relay(pipe: IO[bytes], target: int, tail: Tail) -> None:
    """Copy the job's pipe to where the wrapper's own output goes, keeping the tail. If that is gone
    (`heartbeat run -- job | head`), stop reading: the job then meets the closed pipe it would have."""
    try:
        while chunk := os.read(pipe.fileno(), CHUNK):
            tail.add(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(target, view) :]
    except OSError:
        pass
    finally:
        pipe.close()


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


class Job:
    """One run of the command. Not interactive (stdin not a terminal: cron, a container), it gets a
    process group of its own, and signals go to the whole group, so a script's children stop with it.
    On a terminal it stays in the wrapper's group, where Ctrl-C already reaches it."""

    def __init__(self, argv: Sequence[str], timeout_s: float | None = None) -> None:
        self.argv, self.timeout_s = list(argv), timeout_s
        self.tail = Tail()
        self.notes: list[str] = []
        self.interactive = os.isatty(0)
        self.process: subprocess.Popen[bytes] | None = None
        self.early: list[int] = []  # signals received while the job was being started, to pass on once it is

    def run(self) -> Outcome:
        # Forwarding first, then the job: a signal in between would otherwise end the wrapper and leave the job running.
        previous = self._forward_signals()
        try:
            return self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _run(self) -> Outcome:
        try:
            self.process = subprocess.Popen(  # the user's own command, as a shell would run it
                self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=None if self.interactive else 0
            )
        except OSError as e:  # as a shell says it: 127 not found, 126 found but not runnable
            status = 127 if isinstance(e, FileNotFoundError) else 126
            message = f"heartbeat run: {self.argv[0]}: {e.strerror or e}\n".encode()
            os.write(2, message)
            return Outcome(status, message)
        while self.early:  # (a handler may still add one: it finds the job and sends it itself)
            self._send(self.early.pop(0))
        assert self.process.stdout is not None and self.process.stderr is not None
        relays = [
            threading.Thread(target=relay, args=(pipe, target, self.tail), daemon=True)
            for pipe, target in ((self.process.stdout, 1), (self.process.stderr, 2))
        ]
        for thread in relays:
            thread.start()
        returncode = self._wait()
        for thread in relays:
            thread.join(DRAIN_S)
        if returncode < 0:
            self.notes.append(f"the job was ended by {signal_name(-returncode)}")
        return Outcome(exit_status(returncode), self.tail.value(), tuple(self.notes))

    def _wait(self) -> int:
        assert self.process is not None
        try:
            return self.process.wait(self.timeout_s)
        except subprocess.TimeoutExpired:
            self.notes.append(f"timed out after {self.timeout_s:g} s: sent SIGTERM")
            self._send(signal.SIGTERM)
        try:
            return self.process.wait(KILL_AFTER_S)
        except subprocess.TimeoutExpired:
            self.notes.append(f"still running {KILL_AFTER_S:g} s later: sent SIGKILL")
            self._send(signal.SIGKILL)
            return self.process.wait()

    def _forward_signals(self) -> dict[signal.Signals, Any]:
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return previous  # only the main thread may take signals (a test running the command in a thread)
        for signum in FORWARDED:
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal_name(signum)
        if self.process is None:  # not started yet (nor reached by a terminal's Ctrl-C): passed on once it is
            self.notes.append(f"heartbeat run received {name}: passed it on to the job")
            self.early.append(signum)
            return
        if self.interactive and signum == signal.SIGINT:  # the terminal sent it to the job as well
            self.notes.append(f"interrupted ({name})")
            return
        self.notes.append(f"heartbeat run received {name}: passed it on to the job")
        self._send(signum)

    def _send(self, signum: int) -> None:
        assert self.process is not None
        try:
            if self.interactive:
                self.process.send_signal(signum)
            else:
                os.killpg(self.process.pid, signum)
        except ProcessLookupError:  # already gone
            pass


def report(outcome: Outcome, limit: int) -> bytes:
    """The finish ping's body: the output's last part, then a line for each note, within `limit` bytes."""
    notes = "".join(f"[heartbeat run] {note}\n" for note in outcome.notes).encode()
    room = max(limit - len(notes) - (1 if notes else 0), 0)  # and a newline before the notes
    body = outcome.tail[-room:] if room else b""
    if len(body) < len(outcome.tail):  # cut inside a character? start at the next whole one
        for _ in range(3):
            if body[:1] and 0x80 <= body[0] < 0xC0:
                body = body[1:]
    if notes and body and not body.endswith(b"\n"):
        body += b"\n"
    return (body + notes)[-limit:] if limit else b""
