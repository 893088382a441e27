"""The kinds of chat and incident target, one module each, as Healthchecks keeps
`hc/integrations/<kind>/`: each declares its API fields (the endpoint first, with the rule it must
meet) and its renderer, the one HTTP request that tells a target of an alert, as pure data
(adapters/http.py sends it). Everything else reads them here: the API's request models
(functions/api/schemas/subscriptions.py), `check`, `masked` and the notifier's `render`; the CLI,
which speaks HTTP only, keeps its own list, held to this one by tests/unit/test_targetkinds.py.

A new kind is a module here and one line in KINDS. To reword the messages: the words are
domain/alertwords.py's (the email's), common.py takes them apart, each kind's `render` lays them out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.targetkinds import discord, opsgenie, pagerduty, slack, teams, telegram, webhook
from heartbeat.domain.targetkinds.kind import ApiField, TargetKind
from heartbeat.domain.targets import VARIABLE, VARIABLES, AlertMessage, Request, Target

KINDS: dict[str, TargetKind] = {
    k.name: k
    for k in (slack.KIND, discord.KIND, teams.KIND, telegram.KIND, pagerduty.KIND, opsgenie.KIND, webhook.KIND)
}
_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$")
_LOCAL_URL = re.compile(r"^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?(/[!-~]*)?$")


def check(target: Target, allow_http: bool = False) -> None:
    """Refuse a target that could never be delivered to, with what is wrong."""
    kind = KINDS.get(target.kind)
    if kind is None:
        raise InvalidInput("protocol", f"must be one of {', '.join(KINDS)}")

    def url_ok(url: str) -> bool:
        # Plain http only to this machine, and only where the local stack allows it.
        return bool(_URL.match(url) or (allow_http and _LOCAL_URL.match(url)))

    endpoint, *others = kind.fields
    if kind.posts_to_endpoint and not url_ok(target.endpoint):
        raise InvalidInput("endpoint", f"must be an https:// URL for protocol {target.kind}")
    _check_rule(endpoint, target.endpoint)
    if target.url and not url_ok(target.url):
        raise InvalidInput("url", "must be an https:// URL")
    for f in others:
        _check_rule(f, getattr(target, f.attribute))
    unknown = sorted({name for name in VARIABLE.findall(target.template) if name not in VARIABLES})
    if unknown:
        raise InvalidInput("template", f"unknown ${', $'.join(unknown)}; use ${', $'.join(VARIABLES)}")


def _check_rule(f: ApiField, value: str) -> None:
    if f.rule is not None and not f.rule[0].match(value):
        raise InvalidInput(f.name, f"must be {f.rule[1]}")


def urls(target: Target) -> list[tuple[str, str]]:
    """(field, URL) for each URL the notifier will send this target's alerts to."""
    kind = KINDS.get(target.kind)
    found = [("endpoint", target.endpoint)] if kind and kind.posts_to_endpoint else []
    return found + [("url", target.url)] * bool(target.url)


def masked(target: Target) -> str:
    """Enough to recognise a target by, nothing to use it with."""
    kind = KINDS.get(target.kind)
    if kind and kind.posts_to_endpoint:
        parts = urlsplit(target.endpoint)
        return f"{parts.scheme}://{parts.netloc}/…"
    return target.endpoint[:4] + "…"


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    """The one HTTP request that tells the target of this alert; `base` the deployment's URL, for links."""
    # An unknown kind (never stored: check refuses it) goes as the plain webhook did.
    return KINDS.get(target.kind, webhook.KIND).render(target, alert, base)
