"""The JSON API for integrations (OpenAPI at /docs and /openapi.json): submit a mention and
read the queue. Token authentication: ``Authorization: Bearer <token>``, tokens from the
environment variable named by ``web.auth.api_tokens_env`` as comma-separated ``name:token``.

API clients are treated like a broad channel: red items appear without their text (P4).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from monitor.app.container import Container
from monitor.clock import utc
from monitor.queue.actions import Actor, actor_for
from monitor.storage.models import OPEN_STATUSES
from monitor.web import submit as scout


class SubmissionIn(BaseModel):
    """A mention forwarded by an integration on behalf of an employee."""

    url: str = Field(max_length=2000)
    note: str = Field("", max_length=4000)
    category: Literal["compliment", "criticism", "question", "other"] = "other"
    urgency: Literal["low", "normal", "high"] = "normal"
    submitted_by: str | None = Field(None, max_length=200, description="the employee's email (else the token name)")


class SubmissionOut(BaseModel):
    """What the API stored."""

    id: int
    mention_id: int | None
    already_known: bool
    message: str


class QueueItemOut(BaseModel):
    """One queue item; ``text`` is null for red items (restricted)."""

    id: int
    light: str
    priority: str
    status: str
    assignee: str | None
    source: str
    url: str
    author: str
    reach: int
    text: str | None
    due_at: datetime | None
    scout_submitted: bool


def parse_tokens(raw: str | None) -> dict[str, str]:
    """``name:token,…`` as ``{token: name}`` (entries without both parts are ignored)."""
    out: dict[str, str] = {}
    for part in (raw or "").split(","):
        name, sep, token = part.strip().partition(":")
        if sep and name.strip() and token.strip():
            out[token.strip()] = name.strip()
    return out


def router(container: Container) -> APIRouter:
    """The routes of /api/submissions and /api/queue."""
    cfg = container.cfg
    tokens = parse_tokens(cfg.secret(cfg.web.auth.api_tokens_env))
    routes = APIRouter(prefix="/api", tags=["api"])

    def client(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and given:
            for token, name in tokens.items():
                if hmac.compare_digest(token.encode(), given.strip().encode()):
                    return name
        raise HTTPException(401, "a valid API token is required", headers={"WWW-Authenticate": "Bearer"})

    @routes.post("/submissions", response_model=SubmissionOut, status_code=201)
    def post_submission(request: Request, body: SubmissionIn, name: str = Depends(client)) -> SubmissionOut:
        """Forward a mention (P1); the scout is credited even when it was already known."""
        errors = scout.validate(body.url, body.note, body.category, body.urgency)
        if errors:
            raise HTTPException(422, errors)
        actor: Actor = (actor_for(cfg, email=body.submitted_by) if body.submitted_by
                        else Actor(f"api:{name}", name, roles=frozenset({"employee"})))
        if scout.recent_count(container, actor.id) >= cfg.web.submissions_per_hour:
            raise HTTPException(429, "too many submissions from this person in the last hour")
        sub = scout.submit(request.app, container, actor, url=body.url, note=body.note, category=body.category,
                           urgency=body.urgency, channel="api")
        msg = ("already known; credited to the scout" if sub.already_known else "queued for Marketing & Sales")
        return SubmissionOut(id=sub.id or 0, mention_id=sub.mention_id, already_known=sub.already_known, message=msg)

    @routes.get("/queue", response_model=list[QueueItemOut])
    def get_queue(_name: str = Depends(client), status: str = "open",
                  limit: int = Query(200, ge=1, le=1000)) -> list[QueueItemOut]:
        """Queue items, highest priority first (``status``: open, all, or one status)."""
        statuses = list(OPEN_STATUSES) if status == "open" else (None if status == "all" else [status])
        rows = container.store.queue_items(statuses=statuses, limit=max(1, min(limit, 1000)))
        return [QueueItemOut(id=q.id or 0, light=q.light, priority=q.priority, status=q.status, assignee=q.assignee,
                             source=m.source, url=m.url, author=m.author_handle, reach=m.author_reach,
                             text=None if q.light == "red" else m.text,
                             due_at=utc(q.due_at) if q.due_at else None, scout_submitted=q.scout_submitted)
                for q, m in rows]
    return routes
