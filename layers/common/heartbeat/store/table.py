"""One DynamoDB table behind an injected client, and the one place that turns DynamoDB's errors
into domain answers: a failed condition becomes ConditionFailed (the repositories decide what it
means: None, False, LostRace or NotFound), anything else AWS says becomes Unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.domain.errors import Unavailable
from heartbeat.store.expressions import Update

Item = dict[str, dict[str, Any]]

# Reasons a cancelled transaction gives when it lost a race, not when DynamoDB failed.
_LOST = {"None", "ConditionalCheckFailed", "TransactionConflict", None}


class ConditionFailed(Exception):
    """A write's condition did not hold. `item`: the item as it stands, when the write asked for it
    (ReturnValuesOnConditionCheckFailure) and it exists."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("condition failed")
        self.item = item


class Table:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed(e.response.get("Item")) from None  # type: ignore[arg-type]
            if code in ("TransactionCanceledException", "TransactionConflictException"):
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if not reasons or set(reasons) <= _LOST:
                    raise ConditionFailed() from None
            raise Unavailable(code or "ClientError") from e
        except BotoCoreError as e:  # timeouts, refused connections: past botocore's own retries
            raise Unavailable(type(e).__name__) from e

    def get(self, key: Item, consistent: bool = True) -> Item | None:
        return self._call("get_item", TableName=self.name, Key=key, ConsistentRead=consistent).get("Item")

    def put(self, item: Item, condition: str | None = None, values: Item | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": item}
        if condition:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = values
        self._call("put_item", **kwargs)

    def update(self, key: Item, update: Update, returns_old: bool = False, failure_item: bool = False) -> Item | None:
        """Run `update`. `returns_old`: answer the item as it was; `failure_item`: a failed condition
        carries the item as it is (ConditionFailed.item)."""
        kwargs = {"TableName": self.name, "Key": key, **update.expressions()}
        if returns_old:
            kwargs["ReturnValues"] = "ALL_OLD"
        if failure_item:
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        attributes: Item | None = self._call("update_item", **kwargs).get("Attributes")
        return attributes

    def delete(self, key: Item, condition: str) -> Item:
        """Delete the item; returns it as it was."""
        old = self._call(
            "delete_item", TableName=self.name, Key=key, ConditionExpression=condition, ReturnValues="ALL_OLD"
        )
        return dict(old.get("Attributes", {}))

    def query(self, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("query", TableName=self.name, **kwargs)
        return result

    def query_all(self, **kwargs: Any) -> Iterator[Item]:
        """Every item a query matches, page after page."""
        while True:
            resp = self.query(**kwargs)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def batch_get(self, keys: list[Item]) -> list[Item]:
        items: list[Item] = []
        for start in range(0, len(keys), 100):
            request = {self.name: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
            while request:
                resp = self._call("batch_get_item", RequestItems=request)
                items.extend(resp["Responses"].get(self.name, []))
                request = resp.get("UnprocessedKeys") or {}
        return items

    def batch_delete(self, keys: list[Item]) -> None:
        for start in range(0, len(keys), 25):
            request = {self.name: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
            while request:
                request = self._call("batch_write_item", RequestItems=request).get("UnprocessedItems") or {}

    def transact(self, *writes: dict[str, Any]) -> None:
        """Writes that happen together or not at all; ConditionFailed if any condition failed."""
        self._call("transact_write_items", TransactItems=list(writes))

    def update_write(self, key: Item, update: Update) -> dict[str, Any]:
        """`update` as one write of a transaction."""
        return {"Update": {"TableName": self.name, "Key": key, **update.expressions()}}

    def put_write(self, item: Item, condition: str) -> dict[str, Any]:
        """A put, as one write of a transaction."""
        return {"Put": {"TableName": self.name, "Item": item, "ConditionExpression": condition}}

    def delete_write(self, key: Item, condition: str) -> dict[str, Any]:
        """A delete, as one write of a transaction."""
        return {"Delete": {"TableName": self.name, "Key": key, "ConditionExpression": condition}}

    def check_write(self, key: Item, condition: str) -> dict[str, Any]:
        """A condition on another item, as one part of a transaction (which fails unless it holds)."""
        return {"ConditionCheck": {"TableName": self.name, "Key": key, "ConditionExpression": condition}}
