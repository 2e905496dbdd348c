"""The Marketing & Sales queue: the list (filters, sorting, counts), one item, and its actions.

Red items and their text are shown only to people who may see them (legal, leads, admin):
others never find them in the list, their page answers 404 and an action on one 403 ("restricted
to Legal / Compliance and leads"). Every action goes through
:class:`monitor.queue.actions.QueueActions`, which checks the roster and writes the audit log;
the item page shows only the buttons :func:`monitor.queue.actions.permitted` allows the viewer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.app.container import Container
from monitor.clock import utc
from monitor.config.policy import ReplyTemplate
from monitor.queue.actions import POLICY_REMINDER, RESTRICTED, ActionError, Actor, QueueActions, directory, permitted
from monitor.storage import read_models as queries
from monitor.storage.models import OPEN_STATUSES, QUEUE_STATUSES, MentionRow, QueueItem
from monitor.web import auth
from monitor.web.deps import MAX_PAGE, known_id, web_of

NOT_FOUND = "No such queue item (or it is restricted to Legal / Compliance and leads)."
SORTS = {"priority": "Priority", "due": "Due first", "newest": "Newest", "reach": "Reach"}


def is_overdue(q: QueueItem, now: datetime) -> bool:
    """Not acknowledged and past its response target."""
    return q.status in ("new", "assigned") and q.due_at is not None and utc(q.due_at) < now


PER_PAGE = 50


def page_links(filters: dict[str, Any], *, page: int, pages: int) -> dict[str, str | None]:
    """Links to the previous and next page with the same filters (None where there is none)."""

    def url(n: int) -> str:
        params = {k: v for k, v in filters.items() if v not in ("", 0, None)}
        if n > 1:
            params["page"] = n
        return "/queue" + ("?" + urlencode(params) if params else "")

    return {"prev": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
            "first": url(1) if page > 1 else None, "last": url(pages) if page < pages else None}


def fill(template: ReplyTemplate, *, author: str, org: str, spokesperson: str) -> str:
    """A reply template with its placeholders filled (other braces are left alone)."""
    return (template.text.replace("{author}", author).replace("{org}", org)
            .replace("{spokesperson}", spokesperson))


def templates_for(container: Container, q: QueueItem, m: MentionRow, sentiment: str | None,
                  actor: Actor) -> list[dict[str, str]]:
    """Pre-approved replies offered for a yellow item; never for red ones (P4)."""
    if q.light != "yellow":
        return []
    out = []
    for t in container.cfg.policy.templates:
        if t.for_sentiment and sentiment not in t.for_sentiment:
            continue
        if t.topics and q.topic not in t.topics:
            continue
        author = f"@{m.author_handle}" if m.author_handle else (m.author_name or "there")
        out.append({"id": t.id, "title": t.title,
                    "text": fill(t, author=author, org=container.cfg.organisation.name, spokesperson=actor.name)})
    return out


def router(container: Container) -> APIRouter:
    """The routes of the queue pages and actions to ``app``."""
    routes = APIRouter()
    actions = QueueActions(container.store, container.cfg)

    def staff(request: Request) -> Actor:
        return auth.require(web_of(request).actor(request), *auth.STAFF_ROLES)

    @routes.get("/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue(request: Request, status: str = "open", light: str = "", priority: str = "", source: str = "",
              assignee: str = "", overdue: int = 0, scout: int = 0, sort: str = "priority",
              page: int = Query(1, le=MAX_PAGE)) -> HTMLResponse:
        actor = staff(request)
        now = container.clock.now()
        sort = sort if sort in SORTS else "priority"
        f = queries.QueueFilter(status=status, light=light, priority=priority, source=source, assignee=assignee,
                                overdue=bool(overdue), scout=bool(scout))
        page = max(page, 1)
        rows, total = queries.queue_page(container.store, f, now=now, actor_id=actor.id,
                                         can_see_red=actor.can_see_red, sort=sort, limit=PER_PAGE,
                                         offset=(page - 1) * PER_PAGE)
        pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
        counts = queries.queue_counts(container.store, now=now, actor_id=actor.id, can_see_red=actor.can_see_red)
        names = {a.id: a.name for a in directory(container.cfg)}
        filters = {"status": status, "light": light, "priority": priority, "source": source,
                   "assignee": assignee, "overdue": overdue, "scout": scout, "sort": sort}
        return web_of(request).render(request, "queue.html", {
            "rows": rows, "counts": counts, "f": filters, "names": names, "sorts": SORTS,
            "statuses": QUEUE_STATUSES, "sources": queries.mention_sources(container.store),
            "roster": [a for a in directory(container.cfg) if a.is_spokesperson],
            "total": total, "page": page, "pages": pages, "first_index": (page - 1) * PER_PAGE + 1,
            "links": page_links(filters, page=page, pages=pages),
            "overdue_ids": {q.id for q, _ in rows if is_overdue(q, now)},
            "scouts": queries.item_scouts(container.store, [q.id for q, _ in rows if q.scout_submitted and q.id])},
            actor=actor)

    def item_page(request: Request, actor: Actor, item_id: int, *, error: str | None = None,
                  done: str | None = None, status: int = 200) -> HTMLResponse:
        found = queries.get_item(container.store, known_id(item_id, NOT_FOUND))
        if found is None or (found[0].light == "red" and not actor.can_see_red):
            raise HTTPException(404, NOT_FOUND)
        q, m = found
        sentiment = container.store.classification_for(m.id or 0)
        names = {a.id: a.name for a in directory(container.cfg)}
        target = container.cfg.policy.escalation.targets.get(q.priority)  # type: ignore[call-overload]
        return web_of(request).render(request, "item.html", {
            "scouts": queries.item_scouts(container.store, [item_id]).get(item_id, []),
            "q": q, "m": m, "members": container.store.group_members(item_id), "sentiment": sentiment,
            "audit": container.store.audit_events("queue_item", str(item_id)),
            "steps": queries.escalation_steps(container.store, item_id), "names": names, "target": target,
            "overdue": is_overdue(q, container.clock.now()), "error": error, "done": done,
            "templates": templates_for(container, q, m, sentiment.label if sentiment else None, actor),
            "roster": actions.assignees(q.light), "may": permitted(actor, q.light),
            "open": q.status in OPEN_STATUSES}, status=status, actor=actor)

    @routes.get("/queue/{item_id}", response_class=HTMLResponse, include_in_schema=False)
    def item(request: Request, item_id: int, done: str = "") -> HTMLResponse:
        actor = staff(request)
        return item_page(request, actor, known_id(item_id, NOT_FOUND), done=done or None)

    @routes.post("/queue/{item_id}/{action}", include_in_schema=False)
    def act(request: Request, item_id: int, action: str, csrf_token: str = Form(""), url: str = Form(""),
            template_id: str = Form(""), reason: str = Form(""), assignee: str = Form(""), light: str = Form(""),
            label: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        # an employee who is not on the staff is reminded of P2, not told about pages
        actor = auth.require(web_of(request).actor(request), *auth.STAFF_ROLES, message=POLICY_REMINDER)
        now = container.clock.now()
        found = queries.get_item(container.store, known_id(item_id, "No such queue item."))
        if found is None:
            raise HTTPException(404, "No such queue item.")
        if found[0].light == "red" and not actor.can_see_red:
            raise auth.Forbidden(RESTRICTED)  # P4: that it exists is no secret; its text is
        try:
            if action == "claim":
                actions.claim(item_id, actor, now=now)
            elif action == "acknowledge":
                actions.acknowledge(item_id, actor, now=now)
            elif action == "respond":
                actions.record_response(item_id, actor, url=url, template_id=template_id or None, now=now)
            elif action == "close":
                actions.close(item_id, actor, reason=reason, now=now)
            elif action == "dismiss":
                actions.dismiss(item_id, actor, reason=reason or "not relevant", now=now)
            elif action == "assign":
                actions.assign(item_id, actor, assignee=assignee, now=now)
            elif action == "override":
                actions.override_light(item_id, actor, light=light, reason=reason, now=now)
            elif action == "sentiment":
                actions.correct_sentiment(item_id, actor, label=label, now=now)
            else:
                raise HTTPException(404, "No such action.")
        except ActionError as exc:
            return item_page(request, actor, item_id, error=str(exc), status=403 if exc.not_permitted else 409)
        after = queries.get_item(container.store, item_id)
        if after is not None and after[0].light == "red" and not actor.can_see_red:
            return RedirectResponse("/queue", status_code=303)  # overridden to red: out of this person's sight
        return RedirectResponse(f"/queue/{item_id}?done={action}", status_code=303)
    return routes
