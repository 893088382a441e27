"""API keys, and the deployment's ping key (slug URLs) and badge key (badge URLs)."""

from __future__ import annotations

from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from schemas.keys import BadgeKeyOut, KeyCreate, KeyCreatedOut, KeyPage, PingKeyOut, key_json

from heartbeat.usecases import deployment_keys
from heartbeat.usecases.deployment_keys import BADGE_KEY, PING_KEY
from routes.shared import documented, ping_base, require_admin

router = Router()


@router.post("/api/v1/keys", responses=documented(KeyCreatedOut, 201))
def create_key(spec: Annotated[KeyCreate, Body()]) -> Response[dict]:
    """A new API key, shown in this answer only."""
    key, record = deps.keyring.create(spec.name, spec.role, deps.now_ms(), spec.form)
    deps.logger.info("API key created", key_id=record.id, role=record.role)
    return Response(201, "application/json", {**key_json(record), "key": key})


@router.get("/api/v1/keys", responses=documented(KeyPage))
def list_keys() -> Response[dict]:
    require_admin(router)
    items = [key_json(k) for k in deps.keyring.list()]
    return Response(200, "application/json", {"items": items, "nextCursor": None})


@router.delete("/api/v1/keys/<key_id>", responses=documented(None, 204))
def revoke_key(key_id: str) -> Response[str]:
    revoked = deps.keyring.revoke(key_id)
    deps.logger.info("API key revoked", key_id=revoked.id)
    return Response(204, None, "")


@router.get("/api/v1/ping-key", responses=documented(PingKeyOut))
def get_ping_key() -> Response[dict]:
    """The deployment's ping key, for /ping/<key>/<slug> URLs (made on first use). Admin keys only."""
    require_admin(router)
    return ping_key_response(deployment_keys.deployment_key(deps.store, PING_KEY, deps.now_ms()))


@router.post("/api/v1/ping-key/rotate", responses=documented(PingKeyOut))
def rotate_ping_key() -> Response[dict]:
    """A new ping key: slug URLs with the old one get 404 from now on; token URLs are unaffected."""
    key = deployment_keys.rotate_deployment_key(deps.store, PING_KEY, deps.now_ms())
    deps.logger.info("ping key rotated")
    return ping_key_response(key)


def ping_key_response(key: str) -> Response[dict]:
    return Response(200, "application/json", {"pingKey": key, "pingUrlPrefix": f"{ping_base(router)}/ping/{key}/"})


@router.get("/api/v1/badge-key", responses=documented(BadgeKeyOut))
def get_badge_key() -> Response[dict]:
    """The deployment's badge key, for /badge/<key>/<tag>.svg (made on first use). Admin keys only."""
    require_admin(router)
    return badge_key_response(deployment_keys.deployment_key(deps.store, BADGE_KEY, deps.now_ms()))


@router.post("/api/v1/badge-key/rotate", responses=documented(BadgeKeyOut))
def rotate_badge_key() -> Response[dict]:
    """A new badge key: badges with the old one get 404 from now on."""
    key = deployment_keys.rotate_deployment_key(deps.store, BADGE_KEY, deps.now_ms())
    deps.logger.info("badge key rotated")
    return badge_key_response(key)


def badge_key_response(key: str) -> Response[dict]:
    prefix = f"{ping_base(router)}/badge/{key}/"
    return Response(200, "application/json", {"badgeKey": key, "badgeUrlPrefix": prefix})
