"""Read-only queue pages (the list and one item)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from monitor.bootstrap import Container
from monitor.models import OPEN_STATUSES


def register(app: FastAPI, container: Container) -> None:
    """Add the queue pages to ``app``."""
    from monitor.web.app import TEMPLATES

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, status: str = "open", light: str | None = None) -> HTMLResponse:
        statuses = list(OPEN_STATUSES) if status == "open" else ([status] if status != "all" else None)
        rows = container.store.queue_items(statuses=statuses, light=light or None, limit=300)
        return TEMPLATES.TemplateResponse(request, "queue.html", {
            "rows": rows, "counts": container.store.queue_counts(), "status": status, "light": light,
            "now": container.clock.now(), "mentions": container.store.count_mentions(),
        })

    @app.get("/queue/{item_id}", response_class=HTMLResponse)
    def item(request: Request, item_id: int) -> HTMLResponse:
        found = [(q, m) for q, m in container.store.queue_items(limit=100000) if q.id == item_id]
        if not found:
            raise HTTPException(404, "no such queue item")
        q, m = found[0]
        return TEMPLATES.TemplateResponse(request, "item.html", {
            "q": q, "m": m, "members": container.store.group_members(item_id),
            "sentiment": container.store.classification_for(m.id or 0),
            "audit": container.store.audit_events("queue_item", str(item_id)),
        })
