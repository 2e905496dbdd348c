"""``create_app(container) -> FastAPI``: the one place the web app is assembled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates

from monitor import metrics
from monitor.bootstrap import Container
from monitor.clock import utc

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def health(container: Container) -> dict[str, Any]:
    """Health of the database and every source."""
    now = container.clock.now()
    checks: dict[str, Any] = {}
    ok = True
    try:
        counts = container.store.queue_counts()
        checks["database"] = {"ok": True, "dialect": container.store.dialect}
    except Exception as exc:
        counts = {}
        ok = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    sources = {}
    degraded = []
    states = {s.source_name: s for s in container.store.all_states()} if checks["database"]["ok"] else {}
    for src in container.cfg.sources:
        if not src.enabled:
            continue
        st = states.get(src.name)
        silent = bool(st and st.last_mention_at and src.silent_after and now - utc(st.last_mention_at) >= src.silent_after)
        healthy = st is None or (st.healthy and not silent)
        if not healthy:
            degraded.append(src.name)
        sources[src.name] = {
            "type": src.type,
            "healthy": healthy,
            "silent": silent,
            "last_success_at": utc(st.last_success_at).isoformat() if st and st.last_success_at else None,
            "last_error": st.last_error if st else None,
            "fetched_total": st.fetched_total if st else 0,
        }
    pending = len(container.store.notifications(status="pending")) if ok else 0
    failed = len(container.store.notifications(status="failed")) if ok else 0
    status = "ok" if ok and not degraded else ("degraded" if ok else "down")
    return {"status": status, "now": now.isoformat(), "checks": checks, "sources": sources,
            "degraded": degraded, "queue": counts, "outbox": {"pending": pending, "failed": failed}}


def create_app(container: Container) -> FastAPI:
    """The FastAPI application over ``container``."""
    app = FastAPI(title="brand-scout", version="0.1.0")
    app.state.container = container

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        h = health(container)
        return JSONResponse(h, status_code=200 if h["status"] != "down" else 503)

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        h = health(container)
        return JSONResponse({"ready": h["status"] != "down"}, status_code=200 if h["status"] != "down" else 503)

    @app.get("/metrics")
    def metrics_page() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(container.store), media_type="text/plain; version=0.0.4")

    @app.get("/health", response_class=HTMLResponse)
    def health_page(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "health.html", {"h": health(container), "cfg": container.cfg})

    for module in ("monitor.web.pages",):
        mod = __import__(module, fromlist=["register"])
        mod.register(app, container)
    return app
