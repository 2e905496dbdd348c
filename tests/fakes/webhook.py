"""A fake webhook consumer on 127.0.0.1 that does what the README tells one to do: verify
``X-Brand-Scout-Signature`` over the raw body (independently of brand-scout's code), reject old
timestamps, and process each ``Idempotency-Key`` once (a repeat is answered 200, not processed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply

SECRET = "whsec-test-0123456789abcdef"


def verify_signature(secret: str, header: str, body: bytes, now: float, tolerance: int = 300) -> bool:
    """The README's verification snippet."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t = parts.get("t", "")
    if not t.isdigit() or abs(now - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class FakeWebhook:
    """Receives signed events on ``/hooks/<name>``."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.server = FakeServer()
        self.server.route("POST", r"/hooks/([a-z0-9-]+)", self.receive)
        self.server.faults_on(r"/hooks/.*")
        self.processed: dict[str, list[dict[str, Any]]] = {}
        self.keys: set[str] = set()
        self.duplicates = 0
        self.rejected = 0
        self.raw: list[tuple[dict[str, str], bytes]] = []
        #: the receiver's clock (tests set it to the notifier's frozen time)
        self.now: Callable[[], float] = time.time

    def start(self) -> FakeWebhook:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def url(self, name: str) -> str:
        return f"{self.server.url}/hooks/{name}"

    def receive(self, req: Request) -> Reply:
        self.raw.append((req.headers, req.body))
        if not verify_signature(self.secret, req.headers.get("x-brand-scout-signature", ""), req.body, self.now()):
            self.rejected += 1
            return json_reply({"error": "bad signature"}, 401)
        key = req.headers.get("idempotency-key", "")
        if key in self.keys:
            self.duplicates += 1
            return json_reply({"ok": True, "duplicate": True}, 200)
        self.keys.add(key)
        self.processed.setdefault(req.groups[0], []).append(json.loads(req.body))
        return json_reply({"ok": True}, 200)

    def events(self, name: str) -> list[dict[str, Any]]:
        return self.processed.get(name, [])
