"""Configuration, read and checked once at cold start. No silent defaults for resource names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(RuntimeError):
    pass


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} must be set")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    table_name: str
    topic_arn: str
    deadline_shards: int = 24
    ping_retention_days: int = 30
    max_ping_body_bytes: int = 100_000
    sweep_workers: int = 8
    apply_workers: int = 8  # monitors written at once by a bulk apply
    api_key_secret_arn: str = ""  # the secret API keys are hashed with (the API function needs it)
    notifier_arn: str = ""  # the function chat and incident targets subscribe
    dead_letter_queue_url: str = ""  # alerts that could not be delivered
    dead_letter_queue_arn: str = ""
    allow_http_targets: bool = False  # plain http targets on this machine: the local stack only
    public_url: str = ""  # where links point: the custom domain; empty: the one in public_url_parameter
    public_url_parameter: str = ""  # the SSM parameter the stack writes its own URL to
    monitor_ping_rate: int = 10  # pings/s one monitor takes per ping-function instance; 0: no limit
    monitor_ping_burst: int = 50
    sweep_loop_seconds: int = 0  # seconds detection: one invocation sweeps each second for this long

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            table_name=_required(env, "TABLE_NAME"),
            topic_arn=_required(env, "ALERTS_TOPIC_ARN"),
            deadline_shards=_int(env, "DEADLINE_SHARDS", 24, 1, 100),
            ping_retention_days=_int(env, "PING_RETENTION_DAYS", 30, 0, 3650),  # 0: keep no ping log
            # A synchronous Lambda payload is capped at 6 MB; keep well below it.
            max_ping_body_bytes=_int(env, "MAX_PING_BODY_BYTES", 100_000, 0, 350_000),
            sweep_workers=_int(env, "SWEEP_WORKERS", 8, 1, 64),
            apply_workers=_int(env, "APPLY_WORKERS", 8, 1, 64),
            api_key_secret_arn=env.get("API_KEY_SECRET_ARN", "").strip(),
            notifier_arn=env.get("NOTIFIER_ARN", "").strip(),
            dead_letter_queue_url=env.get("DEAD_LETTER_QUEUE_URL", "").strip(),
            dead_letter_queue_arn=env.get("DEAD_LETTER_QUEUE_ARN", "").strip(),
            allow_http_targets=env.get("ALLOW_HTTP_TARGETS", "").strip() == "1",
            public_url=env.get("PUBLIC_URL", "").strip().rstrip("/"),
            public_url_parameter=env.get("PUBLIC_URL_PARAMETER", "").strip(),
            monitor_ping_rate=_int(env, "MONITOR_PING_RATE_LIMIT", 10, 0, 1000),
            monitor_ping_burst=_int(env, "MONITOR_PING_BURST_LIMIT", 50, 1, 10_000),
            sweep_loop_seconds=_int(env, "SWEEP_LOOP_SECONDS", 0, 0, 600),
        )
