"""The JSON API for integrations (OpenAPI at /docs and /openapi.json): submit a mention and
read the queue. Token authentication: ``Authorization: Bearer <token>``, tokens from the
environment variable named by ``web.auth.api_tokens_env`` as comma-separated ``name:token`` or
``name:token:identity`` (the employee a token submits as; a client cannot credit anyone else):
the name ends at the first ``:``, the identity starts after the last, so a token may hold ``:``.
Each token gets ``web.auth.api_requests_per_minute`` reads and as many writes (then 429).

API clients are treated like a broad channel: red items appear without their text (P4).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from monitor.app.container import Container
from monitor.clock import utc
from monitor.config import AppConfig
from monitor.errors import ConfigError
from monitor.queue.actions import Actor, actor_for, directory
from monitor.storage.models import OPEN_STATUSES
from monitor.web import submit as scout
from monitor.web.auth import Throttle


class SubmissionIn(BaseModel):
    """A mention forwarded by an integration on behalf of an employee."""

    url: str = Field(max_length=2000)
    note: str = Field("", max_length=4000)
    category: Literal["compliment", "criticism", "question", "other"] = "other"
    urgency: Literal["low", "normal", "high"] = "normal"
    submitted_by: str | None = Field(None, max_length=200, description="the employee's email: must be the token's identity, or one the token may submit for "
                                        "(web.auth.api_submitters); else the token's name is credited")


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
    author: str | None
    reach: int | None
    text: str | None
    due_at: datetime | None
    scout_submitted: bool
    responded_at: datetime | None = Field(None, description="when the response was posted (the platform's time "
                                                             "when seen there, else when it was recorded)")
    response_url: str | None = Field(None, description="link to the response")
    response_source: str | None = Field(None, description="platform (seen from an own account) or manual (recorded)")
    responded_by: str | None = Field(None, description="spokesperson id, or source:@handle of an unmapped own account")


@dataclass(frozen=True)
class ApiClient:
    """An API token's holder: its ``name`` and, when the token is bound to one, the ``identity``
    (an employee's email or roster id) every submission through it is credited to."""

    name: str
    identity: str | None = None


def parse_tokens(raw: str | None, env: str = "BRAND_SCOUT_API_TOKENS") -> dict[str, ApiClient]:
    """``name:token`` or ``name:token:identity`` entries, comma-separated, as ``{token: ApiClient}``.

    The name is what comes before the first ``:``, the identity what comes after the last, the token
    everything between, so a token may contain ``:`` (a bound one as ``name:to:ken:identity``, an
    unbound one as ``name:to:ken:`` with an empty identity); names and identities cannot. A token
    with an identity credits every submission to it; one without credits its own name, or one of
    ``web.auth.api_submitters[name]``. Blank entries are skipped.

    Raises:
        ConfigError: an entry without a name or a token, or two entries with one token; the message
            names ``env`` (the variable the value came from) and the entry, never a token.
    """
    out: dict[str, ApiClient] = {}
    problems: list[str] = []
    for n, part in enumerate((raw or "").split(","), start=1):
        if not part.strip():
            continue
        if ":" not in part:
            problems.append(f"entry {n} is not name:token or name:token:identity")
            continue
        name, _, rest = part.partition(":")
        token, _, identity = rest.rpartition(":") if ":" in rest else (rest, "", "")
        name, token, identity = name.strip(), token.strip(), identity.strip()
        if not name:
            problems.append(f"entry {n} has no name before its first ':'")
        elif not token:
            problems.append(f"entry {n} ({name!r}) has no token")
        elif token in out:
            problems.append(f"entries {out[token].name!r} and {name!r} have the same token")
        else:
            out[token] = ApiClient(name, identity or None)
    if problems:
        raise ConfigError(f"environment variable {env}: " + "; ".join(problems))
    return out


def credited(cfg: AppConfig, client: ApiClient, submitted_by: str | None) -> Actor:
    """Who a submission through ``client`` is credited to. A bound token: its identity, and a
    different ``submitted_by`` is refused (403). An unbound one: ``submitted_by`` when
    ``web.auth.api_submitters`` allows it for this token, else the token itself (``api:<name>``)."""
    wanted = (submitted_by or "").strip()
    if client.identity is not None:
        person = _person(cfg, client.identity)
        if wanted and wanted.lower() not in {client.identity.lower(), person.id.lower(), person.email.lower()}:
            raise HTTPException(403, f"this token submits as {client.identity} only")
        return person
    allowed = {a.strip().lower() for a in cfg.web.auth.api_submitters.get(client.name, [])}
    if wanted and wanted.lower() in allowed:
        return _person(cfg, wanted)
    return Actor(f"api:{client.name}", client.name, roles=frozenset({"employee"}))


def _person(cfg: AppConfig, who: str) -> Actor:
    for a in directory(cfg):
        if a.id == who:
            return a
    return actor_for(cfg, email=who)


def router(container: Container) -> APIRouter:
    """The routes of /api/submissions and /api/queue."""
    cfg = container.cfg
    tokens = parse_tokens(cfg.secret(cfg.web.auth.api_tokens_env), cfg.web.auth.api_tokens_env or "")
    per_token = Throttle(container.clock, limit=cfg.web.auth.api_requests_per_minute, window=timedelta(minutes=1))
    routes = APIRouter(prefix="/api", tags=["api"])

    def client(request: Request, authorization: Annotated[str | None, Header()] = None) -> ApiClient:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and given:
            for token, holder in tokens.items():
                if hmac.compare_digest(token.encode(), given.strip().encode()):
                    wait = per_token.take(f"{holder.name}:{request.method}")
                    if wait is not None:
                        raise HTTPException(429, f"too many requests with this token; try again in {wait} s",
                                            headers={"Retry-After": str(wait)})
                    return holder
        raise HTTPException(401, "a valid API token is required", headers={"WWW-Authenticate": "Bearer"})

    @routes.post("/submissions", response_model=SubmissionOut, status_code=201)
    def post_submission(request: Request, body: SubmissionIn, holder: ApiClient = Depends(client)) -> SubmissionOut:
        """Forward a mention (P1); the scout is credited even when it was already known. The scout
        is the token's identity (or, for a token without one, ``submitted_by`` when the token may
        submit for that person, else the token itself)."""
        errors = scout.validate(body.url, body.note, body.category, body.urgency)
        if errors:
            raise HTTPException(422, errors)
        actor = credited(cfg, holder, body.submitted_by)
        if scout.recent_count(container, actor.id) >= cfg.web.submissions_per_hour:
            raise HTTPException(429, "too many submissions from this person in the last hour")
        sub = scout.submit(request.app, container, actor, url=body.url, note=body.note, category=body.category,
                           urgency=body.urgency, channel="api")
        msg = ("already known; credited to the scout" if sub.already_known
               else cfg.organisation.say("queued for Marketing & Sales"))
        return SubmissionOut(id=sub.id or 0, mention_id=sub.mention_id, already_known=sub.already_known, message=msg)

    @routes.get("/queue", response_model=list[QueueItemOut])
    def get_queue(_holder: ApiClient = Depends(client), status: str = "open",
                  limit: int = Query(200, ge=1, le=1000)) -> list[QueueItemOut]:
        """Queue items, highest priority first (``status``: open, all, or one status)."""
        statuses = list(OPEN_STATUSES) if status == "open" else (None if status == "all" else [status])
        rows = container.store.queue_items(statuses=statuses, limit=max(1, min(limit, 1000)))
        # an API client is a broad channel: a red item without its text, link or author
        return [QueueItemOut(id=q.id or 0, light=q.light, priority=q.priority, status=q.status, assignee=q.assignee,
                             source=m.source, url="" if q.light == "red" else m.url,
                             author=None if q.light == "red" else m.author_handle,
                             reach=None if q.light == "red" else m.author_reach,
                             text=None if q.light == "red" else m.text,
                             due_at=utc(q.due_at) if q.due_at else None, scout_submitted=q.scout_submitted,
                             responded_at=utc(q.responded_at) if q.responded_at else None,
                             response_url=q.response_url,
                             response_source=q.response_source or ("manual" if q.responded_at else None),
                             responded_by=q.responded_by)
                for q, m in rows]
    return routes
