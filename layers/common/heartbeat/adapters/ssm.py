"""Where the deployment's links point, from the SSM parameter the stack writes its own URL to.

A function cannot name the HTTP API in its environment (the API names the functions: a cycle), so
the stack writes the URL to a parameter and the functions that build links read it once it is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)


def public_url(configured: str, ssm: Any, parameter: str) -> Callable[[], str]:
    """Where links point: `configured` (a custom domain, or the local stack's address), else the
    parameter's value, read on first use. A failed read gives "" (an alert goes out without its link
    rather than not at all) and is not remembered: the next alert reads again."""
    found: list[str] = []

    def load() -> str:
        if configured or not parameter:
            return configured
        if not found:
            try:
                found.append(str(ssm.get_parameter(Name=parameter)["Parameter"]["Value"]).rstrip("/"))
            except (BotoCoreError, ClientError) as e:
                logger.warning("public URL unknown; this alert carries no incident link: %s", type(e).__name__)
                return ""
        return found[0]

    return load
