"""Run the real Lambda handlers in this process, with a context object shaped like Lambda's."""

from __future__ import annotations

import importlib.util
import os
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 256
    timeout_s: float = 10.0  # the function's Timeout: what get_remaining_time_in_millis counts down from
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started)) * 1000))


_loading = threading.Lock()  # sys.path and sys.modules are shared: one cold start at a time


def load_module(code_dir: Path, name: str) -> ModuleType:
    """Import `<code_dir>/app.py` as a fresh module (each function's module is called app.py).

    Lambda puts the code directory first on `sys.path`, so a function may import its own modules
    (`import deps`); they are imported afresh too, then dropped from `sys.modules`, so each warm
    instance, like each Lambda sandbox, has its own and two functions' modules never mix.
    """
    spec = importlib.util.spec_from_file_location(f"heartbeat_fn_{name}_{uuid.uuid4().hex[:8]}", code_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    root = str(code_dir.resolve())
    with _loading:
        sys.path.insert(0, root)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(root)
            for loaded, mod in list(sys.modules.items()):
                if (getattr(mod, "__file__", None) or "").startswith(root + os.sep):
                    del sys.modules[loaded]
    return module


class LocalFunction:
    """A function with up to a few warm instances, each handling one event at a time, as Lambda scales out.

    One instance per event matters: Powertools' resolver keeps the current event on the app object.
    The instance that finished last takes the next event, as Lambda reuses its warmest instance, so
    what an instance remembers (the rules cache, the per-monitor ping limit) works as deployed.
    One instance starts with it (a function that cannot start fails at once); the others start
    when an event finds every instance busy, as Lambda's do (each start costs a tenth of a second).
    """

    def __init__(self, name: str, code_dir: Path, instances: int = 4, timeout_s: float = 10.0) -> None:
        self.name = name
        self.code_dir = code_dir
        self.timeout_s = timeout_s
        self._idle: queue.LifoQueue[ModuleType] = queue.LifoQueue()
        self._idle.put(load_module(code_dir, name))
        self._to_start = instances - 1
        self._starting = threading.Lock()

    def _instance(self) -> ModuleType:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._starting:
            start = self._to_start > 0
            self._to_start -= start
        return load_module(self.code_dir, self.name) if start else self._idle.get()

    def invoke(self, event: dict[str, Any]) -> Any:
        module = self._instance()
        try:
            return module.lambda_handler(event, LambdaContext(self.name, timeout_s=self.timeout_s))
        finally:
            self._idle.put(module)
