"""What every page needs: the container, the session signer, the templates and the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from monitor.app.container import Container
from monitor.clock import utc
from monitor.queue.actions import Actor
from monitor.web import auth

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return utc(value).strftime(fmt) + " UTC" if value else ""


TEMPLATES.env.filters["when"] = _when
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
        full = {"actor": actor if actor is not None else self.actor(request), "csrf": auth.csrf_token(request),
                "cfg": self.container.cfg, "now": self.container.clock.now(), **ctx}
        return TEMPLATES.TemplateResponse(request, name, full, status_code=status)


def web_of(request: Request) -> Web:
    """The :class:`Web` of the app serving ``request``."""
    w: Web = request.app.state.web
    return w
