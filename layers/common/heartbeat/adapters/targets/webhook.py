"""Any URL: the alert document itself, or the target's template with its $VARIABLES filled in."""

from __future__ import annotations

import json

from heartbeat.adapters.targets.common import json_request
from heartbeat.domain.targets import VARIABLE, AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    if not target.template:  # the alert document itself
        return json_request(target.endpoint, alert.doc, alert)
    values = alert.variables(incident_url)
    as_json = "json" in target.content_type
    # In a JSON template each value goes in as the inside of a JSON string, so the body stays JSON.
    fill = (lambda v: json.dumps(v, ensure_ascii=False)[1:-1]) if as_json else (lambda v: v)
    body = VARIABLE.sub(lambda m: fill(values[m[1]]) if m[1] in values else m[0], target.template)
    headers = {"content-type": target.content_type, "x-heartbeat-alert-id": alert.id}
    return Request("POST", target.endpoint, body.encode(), headers)
