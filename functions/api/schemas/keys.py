"""API keys, and the deployment's ping and badge keys."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from heartbeat.domain.alerts import iso
from heartbeat.domain.model import ApiKey
from schemas.fields import Name, Out, Strict


class KeyCreate(Strict):
    name: Name
    role: Literal["admin", "read"] = "read"
    form: Literal["heartbeat", "healthchecks"] = Field(
        "heartbeat", description="healthchecks: 32 characters, as Healthchecks' clients and tools expect"
    )


def key_json(k: ApiKey) -> dict[str, Any]:
    return {"id": k.id, "name": k.name, "role": k.role, "prefix": k.prefix, "createdAt": iso(k.created_ms)}


class KeyOut(Out):
    id: str
    name: str
    role: Literal["admin", "read"]
    prefix: str = Field(description="the key's first characters, to recognise it by")
    createdAt: str


class KeyCreatedOut(KeyOut):
    key: str = Field(description="the key itself: shown in this answer only")


class KeyPage(Out):
    items: list[KeyOut]
    nextCursor: str | None


class PingKeyOut(Out):
    pingKey: str
    pingUrlPrefix: str


class BadgeKeyOut(Out):
    badgeKey: str
    badgeUrlPrefix: str = Field(description="add <tag>.svg, or <tag>.json for shields.io")


class ShieldsOut(Out):
    schemaVersion: Literal[1]
    label: str
    message: Literal["up", "late", "down", "unknown"]
    color: str
