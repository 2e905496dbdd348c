"""Request body caps, enforced before a body is read (a pure ASGI middleware).

A declared ``Content-Length`` over the route's cap is answered 413 at once, without reading a
byte; a body sent without one (chunked) is counted as it streams in and refused with 413 the
moment it passes the cap. The caps are per path prefix: Slack's request URLs and the web
forms are small, anything else gets ``web.max_body_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
ROUTE_LIMITS: tuple[tuple[str, int], ...] = (
    ("/slack/", 256 * KIB),      # Slack's payloads (a message shortcut carries the message): well under this
    ("/signin", 8 * KIB),        # email, password, CSRF token
    ("/signout", 8 * KIB),
    ("/submit", 64 * KIB),       # a link (2,000 chars) and a note (4,000 chars), URL-encoded
    ("/queue/", 64 * KIB),       # the queue's action forms
    ("/api/", 64 * KIB),         # the JSON API's submission
)
"""The cap of each path prefix (the first that matches wins); other paths get the default."""


class BodyTooLarge(HTTPException):
    """A streamed body passed its cap (an HTTP 413, so that the app's handlers answer it even when
    raised while a route parses its form or JSON)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large (at most {limit} bytes)")
        self.limit = limit


def limit_for(path: str, default: int) -> int:
    """The body cap of ``path``."""
    for prefix, limit in ROUTE_LIMITS:
        if path.startswith(prefix):
            return min(limit, default)
    return default


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body too large (at most {limit} bytes)"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: 413 for a body over the route's cap, before it is read."""

    def __init__(self, app: ASGIApp, *, default: int) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(str(scope.get("path", "")), self.default)
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1  # unparseable: refused like an oversized one
                if declared > limit:
                    await _refuse(send, limit)
                    return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit)


__all__ = ["ROUTE_LIMITS", "BodyLimit", "BodyTooLarge", "limit_for"]
