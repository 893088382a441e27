"""EventBridge rules whose targets are Lambda functions, run in this process, for the local stack
and the tests.

moto stores the template's rules and matches events against their patterns itself, but hands a
Lambda target to its Lambda emulation, which needs Docker. This bridge takes over only that last
step, as the Lambda service does for EventBridge: moto's own `Rule.send_to_targets` decides whether
the rule's EventPattern (the template's, created by `Template.create_resources`) matches; a match
invokes the handler asynchronously with the event EventBridge would deliver, retries a failure
twice, then keeps the event in the function's dead-letter queue (as SnsLambdaBridge does for SNS).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.events.models import Rule

from heartbeat_local.snslambda import SnsLambdaBridge


def delivered(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge delivers it: `time` in ISO 8601 (moto keeps epoch seconds), and
    without moto's own `ingestion-time`."""
    out = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(out.get("time"), int | float):
        out["time"] = datetime.fromtimestamp(out["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


class EventsLambdaBridge(SnsLambdaBridge):
    """Functions by ARN (`register`, inherited), each invoked for the rules that target it."""

    def installed(self) -> Any:
        """A context in which moto's EventBridge hands the registered functions' rules to them here."""
        bridge = self

        def replacement(original: Any) -> Any:
            def send_to_targets(rule: Rule, event: Any, transform_input: bool = True) -> None:
                ours = [t["Arn"] for t in rule.targets if t["Arn"] in bridge._functions]
                if not ours:
                    return original(rule, event, transform_input)
                if not rule.event_pattern.matches_event(event):  # moto's matching, the template's pattern
                    return None
                for arn in ours:
                    bridge.deliver(arn, delivered(event))
                return None

            return send_to_targets

        return self.patched(Rule, "send_to_targets", replacement)
