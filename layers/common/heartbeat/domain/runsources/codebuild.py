"""AWS CodeBuild: a build's state changes. IN_PROGRESS starts the run; SUCCEEDED ends it well,
FAILED, STOPPED, FAULT and TIMED_OUT badly (with the phase it stopped in and its logs' link)."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import PingKind
from heartbeat.domain.runsources.common import Arn, D, Found, RunSource, mapping, text

SOURCE, DETAIL_TYPE = "aws.codebuild", "CodeBuild Build State Change"


def read(d: dict[str, Any], region: str) -> Found | None:
    status, build = d.get("build-status"), text(d, "build-id", D)
    where = f"{D}additional-information."
    logs = mapping(mapping(d, "additional-information", D), "logs", where)
    context = d.get("current-phase-context", "")
    lines = [
        f"build {build} {status}",
        f"phase: {d.get('current-phase', '')} {context}".strip(),
        text(logs, "deep-link", f"{where}logs."),
    ]
    if status == "IN_PROGRESS":
        return PingKind.START, build, lines, None
    if status == "SUCCEEDED":
        return PingKind.SUCCESS, build, lines, None
    if status in ("FAILED", "STOPPED", "FAULT", "TIMED_OUT"):
        return PingKind.FAIL, build, lines, None
    return None


def discover(arn: Arn, target: dict[str, Any]) -> dict[str, Any] | None:
    """A project target: its builds."""
    if arn.service != "codebuild" or not arn.resource.startswith("project/"):
        return None
    project = arn.resource.split("/", 1)[1]
    return {"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": {"project-name": [project]}}


RUN_SOURCE = RunSource(SOURCE, {DETAIL_TYPE: read}, discover)
