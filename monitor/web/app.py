"""``create_app(container) -> FastAPI``: the one place the web app is assembled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from monitor.app import metrics
from monitor.app.container import Container
from monitor.clock import utc
from monitor.storage.worker_health import processing_checks
from monitor.web import api, auth, dashboard, docs, limits, pages, signin, silences, slack, submit
from monitor.web.deps import TEMPLATES, Web

__all__ = ["TEMPLATES", "create_app", "health"]

SECURITY_HEADERS = {
    # no inline scripts or styles anywhere: pages are plain HTML with one stylesheet
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: A source that quarantined a mention within this window is listed as degraded.
QUARANTINE_WINDOW = timedelta(hours=24)


def health(container: Container) -> dict[str, Any]:
    """Health of the database and every source.

    A source that quarantined a mention (one it fetched but could not store, or one the worker
    could not process) in the last 24 hours is degraded; ``quarantine`` gives the counts and the
    latest few per source, each with its error (never the SQL parameters).
    """
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
    quarantine: dict[str, Any] = {}
    if checks["database"]["ok"]:
        try:
            summary = container.store.quarantine_summary(latest=5, since=now - QUARANTINE_WINDOW)
        except Exception as exc:  # a schema behind the code: the page still shows the rest
            summary = {}
            checks["quarantine"] = {"ok": False, "error": type(exc).__name__}
        for name, (total, recent, rows) in summary.items():
            quarantine[name] = {"total": total, "last_24h": recent, "latest": [
                {"at": utc(q.at).isoformat(), "stage": q.stage, "external_id": q.external_id[:200],
                 "error": f"{q.error_class}: {q.error}"[:300]} for q in rows]}  # no text: /healthz is open
    for src in container.cfg.sources:
        if not src.enabled:
            continue
        st = states.get(src.name)
        silent = bool(st and st.last_mention_at and src.silent_after and now - utc(st.last_mention_at) >= src.silent_after)
        q = quarantine.get(src.name, {})
        healthy = st is None or (st.healthy and not silent)
        if not healthy or q.get("last_24h"):
            degraded.append(src.name)
        sources[src.name] = {
            "type": src.type,
            "healthy": healthy,
            "silent": silent,
            "last_success_at": utc(st.last_success_at).isoformat() if st and st.last_success_at else None,
            "last_error": st.last_error if st else None,
            "fetched_total": st.fetched_total if st else 0,
            "quarantined": q.get("total", 0),
            "quarantined_24h": q.get("last_24h", 0),
        }
    pending = len(container.store.notifications(status="pending")) if ok else 0
    failed = len(container.store.notifications(status="failed")) if ok else 0
    if ok:  # a worker failing round after round, or mentions waiting too long: degraded and not ready
        wc = container.cfg.worker
        checks.update(processing_checks(container.store, now=now, min_streak=wc.degraded_after_failures,
                                        backlog_max_age=wc.backlog_max_age))
    behind = [name for name in ("worker", "backlog") if not checks.get(name, {"ok": True})["ok"]]
    status = "ok" if ok and not degraded and not behind else ("degraded" if ok else "down")
    return {"status": status, "ready": ok and not behind, "now": now.isoformat(), "checks": checks, "sources": sources,
            "degraded": degraded, "queue": counts, "outbox": {"pending": pending, "failed": failed},
            "quarantine": {"total": sum(v["total"] for v in quarantine.values()), "sources": quarantine}}


def create_app(container: Container) -> FastAPI:
    """The FastAPI application over ``container``."""
    # /docs is ours (monitor/web/docs.py): Swagger UI from a package, no CDN, no inline script
    app = FastAPI(title="brand-scout", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Brand-mention monitoring: scout submissions and the Marketing & Sales queue.")
    app.state.container = container
    web = Web(container=container, sessions=auth.Sessions(container.cfg))
    app.state.web = web
    docs.mount_assets(app)  # /static/swagger-ui, before /static
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    # bodies over the route's cap get 413 before they are read (outermost of our middleware)
    app.add_middleware(limits.BodyLimit, default=container.cfg.web.max_body_bytes)

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        raw = request.cookies.get(auth.SESSION_COOKIE)
        loaded = web.sessions.load(raw)
        data = loaded if loaded is not None else auth.new_session()
        request.state.session = data
        before = dict(data)
        response = await call_next(request)
        if loaded is None or data != before:
            response.set_cookie(auth.SESSION_COOKIE, web.sessions.dump(data), max_age=auth.SESSION_MAX_AGE,
                                httponly=True, samesite="lax", secure=web.sessions.secure, path="/")
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path not in ("/healthz", "/readyz", "/metrics") and not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def wants_html(request: Request) -> bool:
        accept = request.headers.get("accept", "")
        return not request.url.path.startswith("/api") and "application/json" not in accept

    @app.exception_handler(auth.SignInRequired)
    def _signin(request: Request, _exc: auth.SignInRequired) -> Response:
        if not wants_html(request):
            return JSONResponse({"detail": "sign in required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?{urlencode({'next': target}, safe='/')}", status_code=303)

    @app.exception_handler(auth.Forbidden)
    def _forbidden(request: Request, exc: auth.Forbidden) -> Response:
        if not wants_html(request):
            return JSONResponse({"detail": container.cfg.organisation.say(exc.message)}, status_code=403)
        return web.render(request, "error.html", {"title": "Not for you", "message": exc.message}, status=403)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's default echoes the input back, which fails to encode for lone surrogates (a 500).
        detail = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()]
        if wants_html(request) and request.method == "GET":
            # a person followed or typed a bad address (/queue/abc, ?page=abc): a page, not JSON
            where = [e for e in detail if e.get("loc")]
            if any(e["loc"][0] == "path" for e in where):
                return web.render(request, "error.html", {"title": "Not found", "message": (
                    "There is no such page: check the address (an item's address ends in its number, "
                    "e.g. /queue/12).")}, status=404)
            names = ", ".join(sorted({str(e["loc"][-1]) for e in where})) or "the address"
            return web.render(request, "error.html", {"title": "Bad address", "message": (
                f"This address has a value the page cannot read ({names}). Go back to the queue and "
                "use its filters.")}, status=400)
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> Response:
        if not wants_html(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        titles = {404: "Not found", 403: "Not allowed", 413: "Too large", 429: "Slow down"}
        return web.render(request, "error.html", {"title": titles.get(exc.status_code, "Something went wrong"),
                                                  "message": str(exc.detail)}, status=exc.status_code)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        h = health(container)
        return JSONResponse(h, status_code=200 if h["status"] != "down" else 503)

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        h = health(container)
        return JSONResponse({"ready": h["ready"]}, status_code=200 if h["ready"] else 503)

    scrape = metrics.registry(container)  # prometheus_client over the shared counters (aggregate queries)

    @app.get("/metrics")
    def metrics_page() -> Response:
        body, content_type = metrics.exposition(scrape)
        return Response(body, media_type=content_type)

    @app.get("/health", response_class=HTMLResponse)
    def health_page(request: Request) -> HTMLResponse:
        return web.render(request, "health.html", {"h": health(container)})

    for routes in (signin.router(container), pages.router(container), submit.router(container),
                   dashboard.router(container), api.router(container), slack.router(container)):
        app.include_router(routes)
    app.include_router(silences.router(container))
    app.include_router(docs.router(app))
    return app
