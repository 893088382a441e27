"""UpdateItem expressions built clause by clause (as PynamoDB's SetAction and RemoveAction), so a
write reads as the list of what it changes and the conditions it holds under.

    Update().set("deadline = :deadline", deadline=n(ms)).remove("last_start_ms").when("attribute_exists(pk)")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Attribute names that are DynamoDB reserved words, by the placeholder the expressions use.
NAMES = {"#st": "status", "#sched": "schedule", "#state": "state", "#k": "key"}


@dataclass
class Update:
    sets: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    adds: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # beyond NAMES: `#rid` for a run id, `#a0`...

    def set(self, *clauses: str, **values: Any) -> Update:
        self.sets += clauses
        return self.bind(**values)

    def remove(self, *attributes: str) -> Update:
        self.removes += [a for a in attributes if a not in self.removes]
        return self

    def add(self, clause: str, **values: Any) -> Update:
        self.adds.append(clause)
        return self.bind(**values)

    def when(self, condition: str, **values: Any) -> Update:
        """One more condition, ANDed with the others."""
        self.conditions.append(condition)
        return self.bind(**values)

    def bind(self, **values: Any) -> Update:
        """Values by placeholder name without the colon: bind(now=n(ms)) binds `:now`."""
        self.values.update({f":{k}": v for k, v in values.items()})
        return self

    def expressions(self) -> dict[str, Any]:
        """The UpdateItem arguments: every name and value placeholder the expressions use, and only those
        (DynamoDB refuses unused ones)."""
        update = " ".join(
            f"{verb} {', '.join(clauses)}"
            for verb, clauses in (("SET", self.sets), ("REMOVE", self.removes), ("ADD", self.adds))
            if clauses
        )
        kwargs: dict[str, Any] = {"UpdateExpression": update}
        text = update
        if self.conditions:
            kwargs["ConditionExpression"] = " AND ".join(self.conditions)
            text += " " + kwargs["ConditionExpression"]
        used = set(_PLACEHOLDER.findall(text))
        names = {k: v for k, v in {**NAMES, **self.names}.items() if k in used}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        values = {k: v for k, v in self.values.items() if k in used}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        return kwargs


_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
