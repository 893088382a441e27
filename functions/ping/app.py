"""Public ping endpoint: GET, POST or HEAD on /api/v1/heartbeat/{token}[/start|/fail|/log|/{0-255}]
(and the Healthchecks-compatible /ping/...). No auth: the token is the secret."""

from __future__ import annotations

import base64
import functools
import json

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from heartbeat.alerts import SnsPublisher
from heartbeat.clock import now_ms
from heartbeat.errors import Contention, NotFound
from heartbeat.model import Ping, PingKind
from heartbeat.pings import record_ping
from heartbeat.settings import Settings
from heartbeat.store import Store

settings = Settings.from_env()
logger = Logger(service="heartbeat-ping")
store = Store(boto3.client("dynamodb"), settings.table_name, settings.deadline_shards, settings.ping_retention_days)
app = APIGatewayHttpResolver()

# Healthchecks' headers: never cached, callable from a browser, and the body limit is announced.
HEADERS = {
    "Cache-Control": "no-store",
    "Access-Control-Allow-Origin": "*",
    "Ping-Body-Limit": str(settings.max_ping_body_bytes),
}
ACTIONS = {"start": PingKind.START, "fail": PingKind.FAIL, "log": PingKind.LOG}
METHODS = ["GET", "POST", "HEAD"]


@functools.cache
def publisher() -> SnsPublisher:
    # Created on first use: only pings that open or resolve an incident publish.
    return SnsPublisher(boto3.client("sns"), settings.topic_arn)


def error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(status, "application/json", body, headers=HEADERS)


def read_ping(kind: PingKind, exit_status: int | None = None) -> Ping:
    event = app.current_event
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8", "surrogatepass")
    limit = settings.max_ping_body_bytes
    http = event.request_context.http
    return Ping(
        kind=kind,
        method=http.method,
        source_ip=http.source_ip,
        user_agent=(http.user_agent or "")[:512],
        body=body[:limit],
        body_truncated=len(body) > limit,
        body_size=len(body),
        exit_status=exit_status,
    )


def handle(token: str, kind: PingKind, exit_status: int | None = None) -> Response:
    record_ping(store, publisher, token, read_ping(kind, exit_status), now_ms())
    return Response(200, "text/plain", "OK", headers=HEADERS)


@app.route("/api/v1/heartbeat/<token>", method=METHODS)
@app.route("/ping/<token>", method=METHODS)
def success(token: str) -> Response:
    return handle(token, PingKind.SUCCESS)


@app.route("/api/v1/heartbeat/<token>/<action>", method=METHODS)
@app.route("/ping/<token>/<action>", method=METHODS)
def with_action(token: str, action: str) -> Response:
    if action in ACTIONS:
        return handle(token, ACTIONS[action])
    if action.isdigit() and len(action) <= 3:
        status = int(action)
        if status > 255:
            return error(400, "invalid_exit_status", "exit status must be between 0 and 255")
        return handle(token, PingKind.SUCCESS if status == 0 else PingKind.FAIL, exit_status=status)
    if action.isdigit():
        return error(400, "invalid_exit_status", "exit status must be between 0 and 255")
    return error(404, "not_found", "not found")


@app.not_found
@app.exception_handler(NotFound)
def not_found(_: Exception) -> Response:
    # Unknown and malformed tokens get the same answer.
    return error(404, "not_found", "not found")


@app.exception_handler(Contention)
def contention(_: Contention) -> Response:
    return error(503, "busy", "too many concurrent pings for this monitor; retry")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
