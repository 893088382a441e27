"""API keys: shown once, stored as a keyed hash (HMAC-SHA256 under the deployment's secret), looked
up by it and compared in constant time. Roles: `admin` changes anything, `read` only reads."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

from heartbeat.domain.errors import Contention, LostRace, NotFound, Unauthorized
from heartbeat.domain.model import ApiKey
from heartbeat.domain.sessions import SESSION_S, Session, session_key, sign, verify
from heartbeat.domain.tokens import api_key_hash, new_api_key
from heartbeat.store import Store

ROLES = ("admin", "read")
# Each attempt to revoke an admin key loses only to a concurrent change of the admin keys.
REVOKE_ATTEMPTS = 5


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    """`X-Api-Key: <key>` or `Authorization: Bearer <key>` (header names in any case)."""
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("x-api-key"):
        return lower["x-api-key"].strip()
    scheme, _, value = lower.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class KeyRing:
    def __init__(self, store: Store, secret: Callable[[], bytes]) -> None:
        self._store = store
        self._secret = secret

    def create(self, name: str, role: str, now_ms: int, form: str = "heartbeat") -> tuple[str, ApiKey]:
        """The key itself, and what is stored of it: this is the one chance to see the key. `form`:
        `heartbeat` (hb_...) or `healthchecks` (32 characters, for Healthchecks' tools)."""
        key = new_api_key(form)
        return key, self.add(key, name, role, now_ms)

    def add(self, key: str, name: str, role: str, now_ms: int) -> ApiKey:
        """Store a key drawn by `create` (or, for the local stack, one its user chose)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        record = ApiKey(api_key_hash(key, self._secret()), name, role, key[:8], now_ms)
        self._store.api_keys.add(record)
        return record

    def is_valid(self, key: str) -> bool:
        return self._store.api_keys.get(api_key_hash(key, self._secret())) is not None

    def authenticate(self, headers: Mapping[str, str]) -> str:
        """The caller's role. Raises Unauthorized for a missing, unknown or revoked key."""
        return self.identify(headers).role

    def identify(self, headers: Mapping[str, str]) -> ApiKey:
        """The caller's key as stored (its role and name). Raises Unauthorized as `authenticate`."""
        key = key_from_headers(headers)
        if not key:
            raise Unauthorized("an API key is required (X-Api-Key header or Authorization: Bearer)")
        digest = api_key_hash(key, self._secret())
        record = self._store.api_keys.get(digest)
        if record is None or not hmac.compare_digest(record.key_hash, digest):
            raise Unauthorized("the API key is not valid")
        return record

    def open_session(self, key: ApiKey, now_ms: int) -> tuple[str, Session]:
        """A signed session for a key the caller just proved it holds: the cookie's value."""
        session = Session(key.key_hash, now_ms // 1000 + SESSION_S)
        return sign(session_key(self._secret()), session), session

    def identify_session(self, token: str, now_ms: int) -> tuple[ApiKey, Session]:
        """The key a session cookie stands for, as stored now (a revoked key ends its sessions).
        Raises Unauthorized for a bad, expired or orphaned session."""
        session = verify(session_key(self._secret()), token, now_ms)
        record = self._store.api_keys.get(session.key_hash)
        if record is None:
            raise Unauthorized("the API key of this session was revoked; sign in again")
        return record, session

    def list(self) -> list[ApiKey]:
        return self._store.api_keys.all()

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id. The last admin key cannot go: nobody could make another. An admin
        key goes in a transaction that checks another admin key still stands, so two admin keys
        revoked at once cannot both go when they were the last two."""
        keys = self.list()
        found = next((k for k in keys if hmac.compare_digest(k.id, key_id)), None)
        if found is None:
            raise NotFound(f"API key {key_id} not found")
        if found.role != "admin":
            self._store.api_keys.delete(found)
            return found
        others = [k for k in keys if k.role == "admin" and k.key_hash != found.key_hash]
        for _ in range(REVOKE_ATTEMPTS):
            if not others:
                raise Contention("this is the last admin key; create another admin key before revoking it")
            try:
                self._store.api_keys.delete_admin(found, keeping=others[0])
                return found
            except LostRace:
                if self._store.api_keys.get(found.key_hash, consistent=True) is None:
                    raise NotFound(f"API key {key_id} not found") from None
                if self._store.api_keys.get(others[0].key_hash, consistent=True) is None:
                    others.pop(0)  # revoked meanwhile; another may still stand
        raise Contention("API keys kept changing; try again")
