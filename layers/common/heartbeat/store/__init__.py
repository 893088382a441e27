"""The only code that speaks DynamoDB: one repository per aggregate over one single-table design
(see the README's data model). Every write that can race carries a condition, and the comment
above it names the race; a failed condition comes back as a domain answer, never as a ClientError.

    store = Store.from_settings(settings)       # one constructor, the same for every function
    store.monitors.get(monitor_id)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heartbeat.store.claims import Claims
from heartbeat.store.deployment_keys import DeploymentKeys
from heartbeat.store.due import DueIndex
from heartbeat.store.event_monitors import EventMonitors
from heartbeat.store.incidents import Incidents
from heartbeat.store.keys import ApiKeys
from heartbeat.store.monitors import Monitors
from heartbeat.store.outbox import Outbox
from heartbeat.store.ping_path import PingWriter
from heartbeat.store.pings import PingLog
from heartbeat.store.silence import Silences
from heartbeat.store.slugs import SlugIndex
from heartbeat.store.table import Table
from heartbeat.store.targets import Targets
from heartbeat.store.transitions import Transitions
from heartbeat.store.windows import Windows

if TYPE_CHECKING:
    from heartbeat.settings import Settings


@dataclass(frozen=True)
class Store:
    table: Table
    due: DueIndex
    monitors: Monitors
    slugs: SlugIndex
    claims: Claims
    ping_path: PingWriter
    transitions: Transitions
    pings: PingLog
    incidents: Incidents
    outbox: Outbox
    api_keys: ApiKeys
    targets: Targets
    deployment_keys: DeploymentKeys
    event_monitors: EventMonitors
    silences: Silences
    windows: Windows

    @classmethod
    def open(cls, client: Any, table_name: str, shards: int = 4, ping_retention_days: int = 30) -> Store:
        table = Table(client, table_name)
        due = DueIndex(table, shards)
        claims = Claims(table)
        return cls(
            table=table,
            due=due,
            monitors=Monitors(table, due, claims),
            slugs=SlugIndex(table),
            claims=claims,
            ping_path=PingWriter(table, due),
            transitions=Transitions(table, due),
            pings=PingLog(table, ping_retention_days),
            incidents=Incidents(table),
            outbox=Outbox(table),
            api_keys=ApiKeys(table),
            targets=Targets(table),
            deployment_keys=DeploymentKeys(table),
            event_monitors=EventMonitors(table),
            silences=Silences(table, due),
            windows=Windows(table, due),
        )

    @classmethod
    def from_settings(cls, settings: Settings, client: Any = None) -> Store:
        """The store every function uses: the table, shard count and retention its settings name."""
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        return cls.open(client, settings.table_name, settings.deadline_shards, settings.ping_retention_days)
