"""`sam build`'s output, run as Lambda runs it: each function a python3.13 process (runtime.py) with
only its code, the layer (as /opt/python) and the runtime's boto3 on its path, the environment its
transformed template gives it and its role's credentials; nothing from this repo's venv."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heartbeat_local.template import ROOT

BUILD = ROOT / ".aws-sam" / "build"
WORK = ROOT / ".aws-sam" / "deploy-check"
RUNTIME = Path(__file__).with_name("runtime.py")
# Stands in for the boto3 Lambda's python3.13 runtime includes (its version varies by region and
# date; Lambda's docs give a snippet that prints it): older than the app's lock, so the layer may
# need nothing newer, and nothing else the runtime does not have.
RUNTIME_SDK = "boto3==1.40.4"
ELF_MACHINES = {0xB7: "aarch64", 0x3E: "x86_64"}
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}


class DeployCheckError(Exception):
    pass


def elf_machine(path: Path) -> str | None:
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF":
        return None
    (machine,) = struct.unpack("<H", head[18:20])
    return ELF_MACHINES.get(machine, hex(machine))


def foreign_binaries(root: Path, architecture: str) -> list[str]:
    """Compiled code under `root` (a function's or the layer's build) that is not for `architecture`,
    and wheels whose platform tag says another: Lambda could not load them."""
    machine = ARCHITECTURES[architecture]
    found = []
    for path in root.rglob("*.so*"):
        got = elf_machine(path) if path.is_file() else None
        if got is not None and got != machine:
            found.append(f"{path.relative_to(root.parent)}: {got}, not {machine}")
    for wheel in root.rglob("*.dist-info/WHEEL"):
        for line in wheel.read_text().splitlines():
            tag = line.removeprefix("Tag: ")
            if line.startswith("Tag: ") and not tag.endswith("-any") and machine not in tag:
                found.append(f"{wheel.parent.relative_to(root.parent)}: wheel tag {tag}")
    return found


def native_distributions(layer: Path) -> list[str]:
    """name==version of each distribution in the layer that carries compiled code."""
    wanted = []
    for wheel in layer.glob("*.dist-info/WHEEL"):
        if any(line.startswith("Tag: ") and not line.endswith("-any") for line in wheel.read_text().splitlines()):
            meta = dict(
                line.split(": ", 1) for line in (wheel.parent / "METADATA").read_text().splitlines() if ": " in line
            )
            wanted.append(f"{meta['Name']}=={meta['Version']}")
    return sorted(wanted)


def pip_target(requirement: str, target: Path, platform: str) -> Path:
    """`requirement` installed for the runtime (cp313, `platform`) into `target`, once (cached)."""
    if (target / ".done").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
               str(target), "--python-version", "3.13", "--implementation", "cp", "--only-binary=:all:",
               "--platform", platform, requirement]  # fmt: skip
    if requirement != RUNTIME_SDK:
        command.insert(-1, "--no-deps")
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode:
        raise DeployCheckError(f"pip could not install {requirement} for {platform}:\n{run.stderr[-2000:]}")
    (target / ".done").write_text(requirement)
    return target


def host_stand_ins(layer: Path) -> Path | None:
    """This machine is not arm64: the layer's compiled distributions, same versions, built for this
    machine's architecture, put before the layer on the path. Everything else runs as built."""
    host = os.uname().machine
    wanted = [d for d in native_distributions(layer) if host != "aarch64"]
    if not wanted:
        return None
    combined = WORK / f"native-{host}"
    shutil.rmtree(combined, ignore_errors=True)
    for requirement in wanted:
        cached = pip_target(requirement, WORK / "cache" / f"{requirement}-{host}", f"manylinux2014_{host}")
        shutil.copytree(cached, combined, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".done"))
    return combined


def runtime_python() -> str:
    found = shutil.which("python3.13")
    if not found:
        raise DeployCheckError("the functions' runtime, python3.13, is not on PATH (make deploy-check finds pyenv's)")
    return found


@dataclass
class Function:
    """One function's process, started cold and kept warm, invoked one event at a time."""

    name: str
    handler: str
    paths: list[Path]
    env: dict[str, str]
    timeout_s: float
    log: Path
    process: subprocess.Popen[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    invocations: int = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [runtime_python(), "-S", "-s", str(RUNTIME), self.handler, str(self.timeout_s)]
        self.process = subprocess.Popen(
            command + [str(p) for p in self.paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            env=self.env,
            cwd=self.paths[0],
            text=True,
        )

    def ready(self) -> None:
        reply = self._read()
        if "init_error" in reply:
            raise DeployCheckError(
                f"{self.name} failed to start (as Lambda's init): {reply['init_error']}\n{reply['trace']}"
            )

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self.process and self.process.stdin
        with self.lock:
            self.invocations += 1
            self.process.stdin.write(json.dumps(event) + "\n")
            self.process.stdin.flush()
            reply = self._read()
        if "error" in reply:
            raise DeployCheckError(f"{self.name} failed: {reply['error']}\n{reply['trace']}")
        return reply["result"]

    def _read(self) -> dict[str, Any]:
        assert self.process and self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            raise DeployCheckError(f"{self.name} exited (code {self.process.wait()}); its log: {self.log}")
        return dict(json.loads(line))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            assert self.process.stdin
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def lambda_environment(name: str, variables: dict[str, str], memory: int, credentials: dict[str, str],
                       endpoint: str, extra: dict[str, str]) -> dict[str, str]:  # fmt: skip
    """What Lambda sets, what the template sets, the role's session; and, for the emulation only, the
    endpoint every AWS call goes to (and `extra`, e.g. a test CA). Nothing from this shell."""
    return {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
        "AWS_ENDPOINT_URL": endpoint,
        **variables,
        **extra,
    }
