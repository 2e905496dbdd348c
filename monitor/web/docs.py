"""/docs: Swagger UI for the JSON API, offline and under the app's own Content-Security-Policy.

FastAPI's default page loads Swagger UI from a CDN and starts it with an inline script; the CSP
(``script-src 'self'``) blocks both, so /docs was blank. Here the assets come from the
``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads OpenAPI 3.1) under
``/static/swagger-ui/``, and the page starts it with ``/static/swagger-init.js``, which reads the
schema URL from a ``data-`` attribute: no inline script, no inline style, no other host.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/static/swagger-ui"
"""Where the Swagger UI files of the package are served (mounted before ``/static``)."""


def mount_assets(app: FastAPI) -> None:
    """Serve the packaged Swagger UI files under :data:`ASSETS`; call before mounting ``/static``."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")


def page(title: str, openapi_url: str) -> str:
    """The /docs page: the packaged Swagger UI and our start script, nothing inline."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def router(app: FastAPI) -> APIRouter:
    """GET /docs for ``app`` (created with ``docs_url=None``)."""
    routes = APIRouter()
    html = page(app.title, app.openapi_url or "/openapi.json")

    @routes.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html)

    return routes


__all__ = ["ASSETS", "mount_assets", "page", "router"]
