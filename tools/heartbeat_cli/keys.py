"""`heartbeat keys ...`: API keys, and the first one of a deployment made with AWS credentials."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import click

from heartbeat_cli.api import CliError
from heartbeat_cli.output import table
from heartbeat_cli.session import Session, global_options, pass_session

ROLES = click.Choice(["admin", "read"])
KEY_COLUMNS = [("id", "ID"), ("name", "NAME"), ("role", "ROLE"), ("prefix", "PREFIX"), ("createdAt", "CREATED")]


@click.group(help="API keys")
@global_options
def keys() -> None:
    pass


@keys.command(help="create a key directly in a deployment's table (AWS credentials)")
@click.option("--stack", help="CloudFormation stack name (reads its TableName output)")
@click.option("--table", "table_name", help="the DynamoDB table name (with --secret)")
@click.option("--secret", help="with --table: the ARN of the secret keys are hashed with")
@click.option("--region")
@click.option("--name", default="admin", show_default=True)
@click.option("--role", type=ROLES, default="admin", show_default=True)
@global_options
@pass_session
def bootstrap(
    session: Session, stack: str | None, table_name: str | None, secret: str | None, region: str | None, name: str,
    role: str,
) -> str:  # fmt: skip
    """Make an API key straight in the table, with the caller's AWS credentials (who can deploy, can do this)."""
    if not (stack or table_name) or (stack and table_name):
        raise click.UsageError("give one of --stack or --table")
    import boto3

    aws = boto3.Session(region_name=region) if region else boto3.Session()
    if stack:
        described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        if "TableName" not in outputs or "ApiKeySecretArn" not in outputs:
            raise CliError(f"stack {stack} has no TableName and ApiKeySecretArn outputs; is it a Heartbeat stack?")
        table_name, secret = outputs["TableName"], outputs["ApiKeySecretArn"]
    elif not secret:
        raise CliError("with --table, give --secret too (the stack's ApiKeySecretArn output)")
    assert table_name is not None
    key = make_key(aws, table_name, secret, name, role)
    if session.as_json:
        return json.dumps({"key": key, "name": name, "role": role})
    return f"{key}\n\nThis is the only time the key is shown. export HEARTBEAT_API_KEY={key}"


def make_key(aws: Any, table_name: str, secret_arn: str, name: str, role: str) -> str:
    """The layer's own key ring writes the key, hashed as the API checks it. (The one command that
    writes to AWS itself, with the deployer's credentials, not through the API: the first key.)"""
    from heartbeat.adapters.secrets import secret_from
    from heartbeat.store import Store
    from heartbeat.usecases.keys import KeyRing

    store = Store.open(aws.client("dynamodb"), table_name)
    keyring = KeyRing(store, secret_from(aws.client("secretsmanager"), secret_arn))
    key, _ = keyring.create(name, role, int(time.time() * 1000))
    return key


@keys.command(help="a new API key (shown once)")
@click.option("--name", required=True)
@click.option("--role", type=ROLES, default="read", show_default=True)
@click.option(
    "--form",
    type=click.Choice(["heartbeat", "healthchecks"]),
    default="heartbeat",
    show_default=True,
    help="healthchecks: a 32-character key, for Healthchecks' tools (Terraform provider, clients)",
)
@global_options
@pass_session
def create(session: Session, name: str, role: str, form: str) -> str:
    made = session.api.call("POST", "/api/v1/keys", {"name": name, "role": role, "form": form})
    if session.as_json:
        return json.dumps(made, indent=2)
    return f"{made['key']}\n\nkey {made['id']} ({made['role']}). This is the only time the key is shown."


@keys.command("list", help="API keys: id, name, role, prefix (never the keys)")
@global_options
@pass_session
def list_keys(session: Session) -> str:
    listing = session.api.call("GET", "/api/v1/keys")
    return session.show(listing, lambda r: table(r["items"], KEY_COLUMNS, session.now()))


@keys.command(help="revoke a key by its id")
@click.argument("key_id", metavar="ID")
@global_options
@pass_session
def revoke(session: Session, key_id: str) -> str:
    session.api.call("DELETE", f"/api/v1/keys/{quote(key_id, safe='')}")
    return json.dumps({"revoked": key_id}) if session.as_json else f"revoked {key_id}"
