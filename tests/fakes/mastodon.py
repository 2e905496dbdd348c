"""Fake Mastodon instance: version probe, ``/api/v2/search`` and hashtag timelines with min_id / max_id."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload

TOKEN = "test-mastodon-token"


class FakeMastodon:
    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = payload("mastodon_statuses.json")["statuses"]
        s = self.server = FakeServer()
        s.route("GET", r"/api/v1/instance/?", lambda _r: json_reply({"uri": "mastodon.example", "version": "4.3.0"}))
        s.route(
            "GET",
            r"/api/v2/instance/?",
            lambda _r: json_reply({"domain": "mastodon.example", "version": "4.3.0", "api_versions": {"mastodon": 2}}),
        )
        s.route("GET", r"/api/v2/search", self.search)
        s.route("GET", r"/api/v1/timelines/tag/([^/]+)", self.tag)
        s.faults_on(r"/api/v2/search", r"/api/v1/timelines/tag/[^/]+")
        s.fault_replies["429"] = self._429
        s.fault_replies["401"] = lambda: json_reply({"error": "The access token is invalid"}, 401)

    def _429(self) -> Reply:
        reset = datetime.fromtimestamp(self.server.clock() + 30, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return json_reply(
            {"error": "Too many requests"},
            429,
            **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        )

    def _window(self, req: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        q = req.query
        limit = int(q.get("limit", 20))
        items = sorted(items, key=lambda s: int(s["id"]))
        if q.get("min_id"):
            items = [s for s in items if int(s["id"]) > int(q["min_id"])][:limit]
        else:
            if q.get("max_id"):
                items = [s for s in items if int(s["id"]) < int(q["max_id"])]
            if q.get("since_id"):
                items = [s for s in items if int(s["id"]) > int(q["since_id"])]
            items = items[-limit:]
        return copy.deepcopy(list(reversed(items)))

    def search(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_reply({"error": "The access token is invalid"}, 401)
        assert req.query.get("type") == "statuses"
        if req.query["q"].startswith(("http://", "https://")):
            return self.resolve(req)
        words = req.query["q"].lower().replace('"', "").split()
        hits = [s for s in self.statuses if all(w.lstrip("#") in s["content"].lower() for w in words)]
        return json_reply({"accounts": [], "statuses": self._window(req, hits), "hashtags": []})

    def resolve(self, req: Request) -> Reply:
        """A status URL as ``q``: with ``resolve=true`` the status whose page or ActivityPub id has
        that path (this fake's statuses live on ``mastodon.example``; the test instance is loopback)."""
        from urllib.parse import urlsplit

        if req.query.get("resolve") not in ("true", "1"):
            return json_reply({"accounts": [], "statuses": [], "hashtags": []})
        path = urlsplit(req.query["q"]).path.rstrip("/")
        hits = [s for s in self.statuses if path in (urlsplit(s["url"]).path, urlsplit(s["uri"]).path)]
        return json_reply({"accounts": [], "statuses": copy.deepcopy(hits[:1]), "hashtags": []})

    def tag(self, req: Request) -> Reply:
        tag = req.groups[0].lower()
        hits = [s for s in self.statuses if any(t["name"] == tag for t in s["tags"])]
        return json_reply(self._window(req, hits), **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"})

    def add(self, sid: int, created: str, text: str) -> str:
        s = copy.deepcopy(self.statuses[0])
        s.update(
            id=str(sid),
            created_at=created,
            content=f"<p>{text} #setseg</p>",
            uri=f"https://mastodon.example/users/ann/statuses/{sid}",
            url=f"https://mastodon.example/@ann/{sid}",
        )
        self.statuses.append(s)
        uri: str = s["uri"]
        return uri
