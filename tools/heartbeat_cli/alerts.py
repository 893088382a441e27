"""`heartbeat alerts ...`: alerts that could not be delivered (the dead-letter queue)."""

from __future__ import annotations

import json

import click

from heartbeat_cli.output import table
from heartbeat_cli.session import Session, global_options, pass_session

FAILED_COLUMNS = [("alertId", "ALERT"), ("source", "SOURCE"), ("subscriptionId", "SUBSCRIPTION"), ("error", "ERROR")]
FAILED_COLUMNS += [("failedAt", "FAILED AT")]


@click.group(help="alerts that could not be delivered (the dead-letter queue)")
@global_options
def alerts() -> None:
    pass


@alerts.command(help="what sits in the dead-letter queue, and why")
@global_options
@pass_session
def failed(session: Session) -> str:
    listing = session.api.call("GET", "/api/v1/alerts/failed")
    if session.as_json:
        return json.dumps(listing, indent=2)
    if not listing["items"]:
        return "No failed alerts."
    return table(listing["items"], FAILED_COLUMNS, session.now())


@alerts.command(help="deliver them again; those delivered leave the queue")
@global_options
@pass_session
def retry(session: Session) -> str:
    # Ten at a time (each call fits the API's 30 s); on while a call moves anything out.
    total = {"delivered": 0, "failed": 0, "kept": 0, "dropped": 0}
    while True:
        report = session.api.call("POST", "/api/v1/alerts/retry")
        total = {k: total[k] + report[k] for k in total}
        if not (report["delivered"] or report["dropped"]):
            break
    if session.as_json:
        return json.dumps(total)
    left = total["failed"] + total["kept"]
    return f"{total['delivered']} delivered, {total['dropped']} dropped (target removed), {left} still failing"
