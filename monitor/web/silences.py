"""/silences: leads (and admins) create, see and expire silences during an alert flood.

The same checks and audit as ``scout silence`` (:mod:`monitor.queue.silences`): matchers on the
labels alerts carry, a duration or an end time, and a comment; the author is the signed-in
person. Every form carries the session's CSRF token.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.app.container import Container
from monitor.queue import silences as sil
from monitor.queue.actions import Actor
from monitor.web import auth
from monitor.web.deps import known_id, web_of

LEADS_ONLY = "Silences are set by the Marketing & Sales leads and admins: ask a lead to mute an alert flood."
SILENCE_ROLES = ("lead", "admin")


def router(container: Container) -> APIRouter:
    """The routes of /silences."""
    routes = APIRouter()

    def page(request: Request, actor: Actor, *, values: dict[str, str] | None = None, error: str = "",
             status: int = 200) -> HTMLResponse:
        now = container.clock.now()
        rows = container.store.silences(now=now, include_expired=True, limit=100)
        current = [(s, sil.state(s, now)) for s in rows if sil.state(s, now) != "expired"]
        ended = [s for s in rows if sil.state(s, now) == "expired"][:20]
        return web_of(request).render(request, "silences.html", {
            "current": current, "ended": ended, "labels": sil.LABELS, "error": error,
            "values": values or {"matchers": "", "duration": "2h", "end": "", "comment": ""},
            "created": request.query_params.get("created", ""), "expired": request.query_params.get("expired", ""),
        }, status=status, actor=actor)

    @routes.get("/silences", response_class=HTMLResponse, include_in_schema=False)
    def silences(request: Request) -> HTMLResponse:
        actor = auth.require(web_of(request).actor(request), *SILENCE_ROLES, message=LEADS_ONLY)
        return page(request, actor)

    @routes.post("/silences", include_in_schema=False)
    def create(request: Request, csrf_token: str = Form(""), matchers: str = Form(""), duration: str = Form(""),
               end: str = Form(""), comment: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        actor = auth.require(web_of(request).actor(request), *SILENCE_ROLES, message=LEADS_ONLY)
        now = container.clock.now()
        values = {"matchers": matchers, "duration": duration, "end": end, "comment": comment}
        author = actor.email or actor.id
        try:
            d = sil.draft(sil.split_matchers(matchers), now=now, author=author, comment=comment,
                          duration=duration if not end.strip() else None, end=end or None,
                          tz=ZoneInfo(container.cfg.organisation.timezone), values=sil.label_values(container.cfg))
        except sil.SilenceError as exc:
            return page(request, actor, values=values, error=str(exc), status=422)
        row = sil.create(container.store, d, actor=author, now=now)
        return RedirectResponse(f"/silences?created={row.id}", status_code=303)

    @routes.post("/silences/{silence_id}/expire", include_in_schema=False)
    def expire(request: Request, silence_id: int, csrf_token: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        actor = auth.require(web_of(request).actor(request), *SILENCE_ROLES, message=LEADS_ONLY)
        try:
            sil.expire(container.store, known_id(silence_id, "No such silence."), actor=actor.email or actor.id,
                       now=container.clock.now())
        except sil.SilenceError as exc:
            return page(request, actor, error=str(exc), status=404 if "no silence" in str(exc) else 409)
        return RedirectResponse(f"/silences?expired={silence_id}", status_code=303)

    return routes


__all__ = ["LEADS_ONLY", "router"]
