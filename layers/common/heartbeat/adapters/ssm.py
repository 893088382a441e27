"""Where the deployment's links point, from the SSM parameter the stack writes its own URL to.

A function cannot name the HTTP API in its environment (the API names the functions: a cycle), so
the stack writes the URL to a parameter and the functions that build links read it once.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)


def public_url(configured: str, ssm: Any, parameter: str) -> str:
    """`configured` (a custom domain, or the local stack's address) or the parameter's value; empty
    when neither is known, so an alert goes out without its link rather than not at all."""
    if configured or not parameter:
        return configured
    try:
        return str(ssm.get_parameter(Name=parameter)["Parameter"]["Value"]).rstrip("/")
    except (BotoCoreError, ClientError) as e:
        logger.warning("public URL unknown; alerts carry no incident link: %s", type(e).__name__)
        return ""
