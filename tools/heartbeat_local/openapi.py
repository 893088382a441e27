"""`make openapi`: write the API's OpenAPI document to docs/openapi.json, as the API serves it."""

from __future__ import annotations

import json
import os
from typing import Any

from heartbeat_local.lambdas import load_module
from heartbeat_local.template import ROOT, Template

CHECKED_IN = ROOT / "docs" / "openapi.json"


def _module(function: str) -> Any:
    # The handler module reads its settings at import; the document does not depend on them.
    for name, value in {"TABLE_NAME": "heartbeat", "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:0:alerts"}.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return load_module(Template().functions()[function], function)


def management_document() -> dict[str, Any]:
    """The management API's own document, as it serves it at /api/v1/openapi.json."""
    return json.loads(_module("ApiFunction").openapi_document())


def generate() -> dict[str, Any]:
    """The management API's document with the Healthchecks-compatible routes added under their tag
    (another function serves them, with inline schemas: no components of their own)."""
    doc = management_document()
    compat = json.loads(_module("HealthchecksFunction").app.get_openapi_json_schema(title="compat", version="1"))
    doc["paths"].update(compat["paths"])
    return doc


def main() -> None:
    CHECKED_IN.parent.mkdir(exist_ok=True)
    CHECKED_IN.write_text(json.dumps(generate(), indent=2) + "\n")
    print(f"wrote {CHECKED_IN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
