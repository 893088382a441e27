"""The dashboard: its page, and its static assets (styles, ES modules, icons) from functions/api/web/;
and the API's reference at /api/v1/docs, Swagger UI from web/vendor/ (served here: no CDN, works offline).

Assets are served under `/assets/<version>/`, the version a hash of all of them, so a browser may keep
them for a year (`immutable`) and a deployment that changes any one is a new URL for all; the page
itself is revalidated on every load (`no-cache` with an ETag: a 304 costs no body). The policy allows
scripts and styles from this origin only: nothing inline, nothing from elsewhere."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from routes.shared import documented

router = Router()

WEB = Path(__file__).parent.parent / "web"
VENDORED = "vendor/*/*"  # libraries kept as released, each in its own folder with its licence
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Swagger UI's stylesheet draws its icons from data: images; still no script or style but this origin's.
DOCS_POLICY = POLICY.replace("img-src 'self'", "img-src 'self' data:")
SAFE = {"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    etag: str


def _etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


@functools.cache
def assets() -> tuple[str, dict[str, Asset]]:
    """The version and the assets by file name (read once a cold start)."""
    found_files = sorted([*WEB.iterdir(), *WEB.glob(VENDORED)])
    files = {p.name: p.read_text() for p in found_files if p.suffix in TYPES}
    version = hashlib.sha256("".join(f"{name}\0{body}\0" for name, body in files.items()).encode()).hexdigest()[:12]
    found = {name: Asset(body, TYPES[Path(name).suffix], _etag(body)) for name, body in files.items()}
    return version, found


@functools.cache
def page(name: str = "index.html") -> Asset:
    """A page of web/, its assets' URLs filled in."""
    version, _ = assets()
    body = (WEB / name).read_text().replace("{{assets}}", f"/assets/{version}")
    return Asset(body, "text/html; charset=utf-8", _etag(body))


def _answer(asset: Asset, cache: str, policy: str = POLICY) -> Response[str]:
    headers = {**SAFE, "Content-Security-Policy": policy, "ETag": asset.etag, "Cache-Control": cache}
    if router.current_event.headers.get("if-none-match") == asset.etag:
        return Response(304, None, "", headers=headers)
    return Response(200, asset.content_type, asset.body, headers=headers)


@router.get("/", responses=documented(str, 200, ("text/html",)), compress=True)
def dashboard_page() -> Response[str]:
    """The dashboard (no API key here: the page asks for one)."""
    return _answer(page(), "no-cache")


@router.get("/api/v1/docs", include_in_schema=False, compress=True)
def docs_page() -> Response[str]:
    """The API's reference: Swagger UI over /api/v1/openapi.json."""
    return _answer(page("docs.html"), "no-cache", DOCS_POLICY)


@router.get("/assets/<version>/<name>", include_in_schema=False, compress=True)
def dashboard_asset(version: str, name: str) -> Response[str]:
    current, found = assets()
    if version != current or name not in found:
        raise NotFoundError()  # an older deployment's asset is gone: its page reloads to this one
    return _answer(found[name], "public, max-age=31536000, immutable")
