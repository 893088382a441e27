"""The dashboard's session: an API key exchanged for a cookie (sign in), who is signed in, sign out.
Scripts keep using their key in a header; a key header always wins over a cookie (app.py)."""

from __future__ import annotations

from typing import Any, Literal

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pydantic import Field
from schemas.fields import Out

from heartbeat.domain.alerts import iso
from heartbeat.domain.errors import Forbidden
from heartbeat.domain.sessions import COOKIE, SESSION_S
from heartbeat.usecases.keys import key_from_headers
from routes.shared import documented

router = Router()
PATH = "/api/v1/session"


class SessionOut(Out):
    role: Literal["admin", "read"] = Field(description="what the key, and so the session, may do")
    keyName: str
    expiresAt: str | None = Field(description="when the session ends; null when a key header was used")


def cookie(value: str, max_age: int) -> Cookie:
    """HttpOnly (no script reads it), Secure, SameSite=Strict (no other site's request carries it)."""
    return Cookie(COOKIE, value, path="/", secure=True, http_only=True, max_age=max_age, same_site=SameSite.STRICT_MODE)


def who(expires_s: int | None) -> dict[str, Any]:
    return {
        "role": router.context["role"],
        "keyName": router.context["key_name"],
        "expiresAt": iso(expires_s * 1000) if expires_s else None,
    }


@router.post(PATH, responses=documented(SessionOut, 201))
def sign_in() -> Response[dict]:
    """Exchange the API key in the header (`X-Api-Key` or `Authorization: Bearer`) for a session
    cookie of 12 hours that authorises what the key does; the dashboard's sign-in."""
    if key_from_headers(router.current_event.headers or {}) is None:
        raise Forbidden("sign in with an API key in the X-Api-Key header")
    token, session = deps.keyring.open_session(router.context["key"], deps.now_ms())
    return Response(201, "application/json", who(session.expires_s), cookies=[cookie(token, SESSION_S)])


@router.get(PATH, responses=documented(SessionOut))
def signed_in() -> Response[dict]:
    """Who the caller is: the key's role and name, and when its session ends."""
    return Response(200, "application/json", who(router.context.get("session_expires")))


@router.delete(PATH, responses=documented(None, 204))
def sign_out() -> Response[str]:
    """Sign out: the session cookie is cleared (no key needed, so an expired session can sign out too)."""
    return Response(204, None, "", cookies=[cookie("", 0)])
