"""Issue 33: the dashboard's page and its static assets: hashed URLs cached for good, the page
revalidated, every module the page imports served, a policy that allows nothing inline."""

from __future__ import annotations

import re

from tests.harness import Stack


def test_the_page_loads_its_assets_from_hashed_urls_under_a_strict_policy(stack: Stack) -> None:
    page = stack.request("GET", "/", key=None)
    html = page.body.decode()
    policy = page.headers["content-security-policy"]

    assert page.status == 200 and page.headers["cache-control"] == "no-cache"
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "unsafe" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
    urls = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert {u.rsplit("/", 1)[1] for u in urls} == {"app.css", "favicon-up.svg", "main.js"}
    version = urls[0].split("/")[2]
    seen, todo = set(), ["main.js"]
    while todo:  # every module the entry imports, and theirs, is served
        name = todo.pop()
        asset = stack.request("GET", f"/assets/{version}/{name}", key=None)
        assert asset.status == 200, name
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-type"] == "text/javascript; charset=utf-8"
        seen.add(name)
        todo += [n for n in re.findall(r'from "\./([\w-]+\.js)"', asset.body.decode()) if n not in seen]
    assert seen >= {"main.js", "api.js", "dom.js", "list.js", "monitor.js"}


def test_an_unchanged_asset_is_a_304_and_another_versions_a_404(stack: Stack) -> None:
    html = stack.request("GET", "/", key=None).body.decode()
    css = re.search(r'href="(/assets/[^"]+/app\.css)"', html)
    assert css
    first = stack.request("GET", css[1], key=None)
    again = stack.request("GET", css[1], headers={"if-none-match": first.headers["etag"]}, key=None)
    assert first.status == 200 and first.headers["content-type"] == "text/css; charset=utf-8"
    assert again.status == 304 and again.body == b""
    page = stack.request("GET", "/", key=None)
    assert stack.request("GET", "/", headers={"if-none-match": page.headers["etag"]}, key=None).status == 304
    old = css[1].replace(css[1].split("/")[2], "000000000000")
    assert stack.request("GET", old, key=None).status == 404
    assert stack.request("GET", css[1].replace("app.css", "nothing.js"), key=None).status == 404
    assert stack.request("GET", css[1].replace("app.css", "..%2Fapp.py"), key=None).status == 404


def test_the_api_docs_load_swagger_ui_from_this_deployment_under_a_strict_policy(stack: Stack) -> None:
    page = stack.request("GET", "/api/v1/docs", key=None)
    html = page.body.decode()
    policy = page.headers["content-security-policy"]

    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "unsafe" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(u.startswith("/assets/") for u in urls), urls  # nothing from a CDN: works offline
    assert {u.rsplit("/", 1)[1] for u in urls} == {"swagger-ui.css", "swagger-ui-bundle.js", "docs.js"}
    for url in urls:
        asset = stack.request("GET", url, key=None)
        assert asset.status == 200 and asset.headers["cache-control"].endswith("immutable"), url
    init = stack.request("GET", next(u for u in urls if u.endswith("docs.js")), key=None).body.decode()
    assert 'url: "/api/v1/openapi.json"' in init
