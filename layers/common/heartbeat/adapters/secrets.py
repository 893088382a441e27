"""The deployment's hashing secret, from Secrets Manager."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.domain.errors import Unavailable


def secret_from(client: Any, secret_arn: str) -> Callable[[], bytes]:
    """The secret, fetched on first use and kept for the Lambda's life. A failed fetch raises
    Unavailable (a 503, not a 500) and is not remembered: the next request tries again."""

    @functools.cache
    def load() -> bytes:
        try:
            return str(client.get_secret_value(SecretId=secret_arn)["SecretString"]).encode()
        except ClientError as e:
            raise Unavailable(e.response.get("Error", {}).get("Code", "ClientError")) from e
        except BotoCoreError as e:
            raise Unavailable(type(e).__name__) from e

    return load
