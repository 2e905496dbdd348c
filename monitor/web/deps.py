"""What every page needs: the container, the session signer, the templates and the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from monitor.app.container import Container
from monitor.clock import utc
from monitor.queue.actions import Actor
from monitor.vocab import urgency_words
from monitor.web import auth

MAX_ID = 2**31 - 1
"""The largest row id any table holds (PostgreSQL ``integer``); a larger one is never found."""
MAX_PAGE = 1_000_000
"""The last page number a list accepts (larger ones get 422, never an SQL overflow)."""


def known_id(value: int, what: str = "No such item.") -> int:
    """``value`` when it can be a row id, else 404 (an SQL integer overflow is never attempted)."""
    if not 1 <= value <= MAX_ID:
        raise HTTPException(404, what)
    return value


def http_url(url: object) -> bool:
    """Whether ``url`` may be a link: only ``http://`` and ``https://`` (never ``javascript:`` or ``data:``)."""
    if not isinstance(url, str):
        return False
    head = url.strip()[:8].lower()
    return head.startswith(("http://", "https://")) and not any(c in url for c in "\r\n\t\x00")


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


@pass_context
def _when(ctx: Context, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` in the organisation's timezone with its abbreviation (every page shows the times
    the queue does; UTC only where no configuration is at hand)."""
    if not value:
        return ""
    cfg = ctx.get("cfg")
    zone = getattr(getattr(cfg, "organisation", None), "timezone", None)
    t = utc(value).astimezone(ZoneInfo(zone)) if isinstance(zone, str) else utc(value)
    return t.strftime(fmt) + f" {t.tzname() or 'UTC'}"


@pass_context
def _when_iso(ctx: Context, value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time string (the health JSON's) shown as :func:`_when` shows a datetime; anything
    else as it is."""
    if not isinstance(value, str) or not value:
        return "" if value is None else str(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return str(_when(ctx, parsed, fmt))


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["when_iso"] = _when_iso
TEMPLATES.env.filters["urgency"] = urgency_words
TEMPLATES.env.tests["http_url"] = http_url
# Jinja2Templates enables autoescape for .html: mention text is always rendered as text.
if not TEMPLATES.env.autoescape:  # pragma: no cover - a guard for a security property
    raise RuntimeError("Jinja2 autoescape must be on")


@dataclass
class Web:
    """The web layer's view of the container."""

    container: Container
    sessions: auth.Sessions

    def actor(self, request: Request) -> Actor | None:
        """The signed-in person, or None."""
        return auth.current_actor(request, self.container.cfg, self.container.store)

    def render(self, request: Request, name: str, ctx: dict[str, Any], *, status: int = 200,
               actor: Actor | None = None) -> HTMLResponse:
        """Render a page with the common context (actor, CSRF token, config, now)."""
        org = self.container.cfg.organisation
        full = {"actor": actor if actor is not None else self.actor(request), "csrf": auth.csrf_token(request),
                "cfg": self.container.cfg, "now": self.container.clock.now(), "team": org.team,
                "legal_team": org.legal_team, **ctx}
        # refusals and banners are written with the policy's team names: said with this organisation's
        for key in ("message", "error", "reminder"):
            if isinstance(full.get(key), str):
                full[key] = org.say(full[key])
        if isinstance(full.get("bulk"), dict):
            full["bulk"] = {k: org.say(v) if isinstance(v, str) else v for k, v in full["bulk"].items()}
        return TEMPLATES.TemplateResponse(request, name, full, status_code=status)


def web_of(request: Request) -> Web:
    """The :class:`Web` of the app serving ``request``."""
    w: Web = request.app.state.web
    return w
