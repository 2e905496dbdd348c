"""/docs renders the API's operations offline under the app's own CSP: Swagger UI's assets come
from a package under /static/swagger-ui, it is started by a script file (no inline script), and
nothing is fetched from another host."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.web.test_browser import Live, live  # noqa: F401 - the live server and Chromium fixture


def test_docs_page_has_no_inline_script_and_no_other_host(app: FastAPI) -> None:
    client = TestClient(app)
    r = client.get("/docs")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "<style" not in r.text and "style=" not in r.text
    assert not re.search(r"(src|href)=\"(https?:)?//", r.text), "nothing from another host"
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text):
        got = client.get(asset)
        assert got.status_code == 200 and len(got.content) > 100, asset
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").headers["content-type"].startswith(
        ("text/javascript", "application/javascript"))
    assert client.get("/redoc").status_code == 404  # it would load from a CDN: not offered
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


@pytest.mark.browser
def test_docs_lists_the_operations_in_chromium(live: Live, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    ctx = live.browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    problems: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live.base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{live.base}/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    text = page.inner_text("#swagger-ui")
    assert "/api/submissions" in text and "/api/queue" in text, text[:2000]
    assert page.locator(".opblock").count() >= 2
    page.click(".opblock-summary >> nth=0")  # an operation opens
    page.wait_for_selector(".opblock-body")
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    ctx.close()
    assert not elsewhere, elsewhere
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    print(f"screenshot: {tmp_path / 'docs.png'}")
