"""Fake Bluesky PDS/AppView: createSession (JWT with exp, no didDoc), searchPosts, getProfiles, and for
link lookups resolveHandle and getPosts."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload

HANDLE, APP_PASSWORD = "brand.bsky.social", "test-app-pass-word"


def _seg(o: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()


class FakeBluesky:
    def __init__(self) -> None:
        data = payload("bluesky_posts.json")
        self.posts: list[dict[str, Any]] = data["posts"]
        self.profiles: dict[str, dict[str, Any]] = data["profiles"]
        self.jwt = f"{_seg({'alg': 'HS256', 'typ': 'JWT'})}.{_seg({'exp': 4102444800, 'sub': 'did:plc:brand'})}.sig"
        s = self.server = FakeServer()
        s.route("POST", r"/xrpc/com.atproto.server.createSession", self.create_session)
        s.route("GET", r"/xrpc/app.bsky.feed.searchPosts", self.search)
        s.route("GET", r"/xrpc/app.bsky.actor.getProfiles", self.get_profiles)
        s.route("GET", r"/xrpc/com.atproto.identity.resolveHandle", self.resolve_handle)
        s.route("GET", r"/xrpc/app.bsky.feed.getPosts", self.get_posts)
        s.faults_on(r"/xrpc/app.bsky.feed.searchPosts", r"/xrpc/app.bsky.feed.getPosts")
        s.fault_replies["401"] = lambda: json_reply({"error": "AuthMissing", "message": "Authentication Required"}, 401)
        s.fault_replies["429"] = lambda: json_reply(
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            429,
            **{
                "ratelimit-limit": "3000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(int(self.server.clock()) + 30),
            },
        )

    def _authed(self, req: Request) -> bool:
        return req.headers.get("authorization") == f"Bearer {self.jwt}"

    def create_session(self, req: Request) -> Reply:
        body = req.json()
        if (body.get("identifier"), body.get("password")) != (HANDLE, APP_PASSWORD):
            return json_reply({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        return json_reply(
            {"did": "did:plc:brand", "handle": HANDLE, "accessJwt": self.jwt, "refreshJwt": self.jwt, "active": True}
        )

    def search(self, req: Request) -> Reply:
        if not self._authed(req):
            return json_reply({"error": "AuthMissing", "message": "Authentication Required"}, 401)
        q = req.query
        words = q["q"].lower().replace('"', "").split()
        items = [p for p in self.posts if all(w in p["record"]["text"].lower() for w in words)]
        if q.get("since"):
            items = [p for p in items if p["record"]["createdAt"] >= q["since"]]
        items.sort(key=lambda p: p["record"]["createdAt"], reverse=True)
        start, limit = int(q.get("cursor") or 0), int(q.get("limit") or 25)
        page = copy.deepcopy(items[start : start + limit])
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(items)}
        if start + limit < len(items):
            body["cursor"] = str(start + limit)
        return json_reply(body)

    def get_profiles(self, req: Request) -> Reply:
        if not self._authed(req):
            return json_reply({"error": "AuthMissing", "message": "Authentication Required"}, 401)
        from urllib.parse import parse_qs, urlsplit

        actors = parse_qs(urlsplit(req.raw_url).query).get("actors", [])
        return json_reply({"profiles": [self.profiles[a] for a in actors if a in self.profiles]})

    def resolve_handle(self, req: Request) -> Reply:
        """``{"did"}`` for a known handle; else the AppView's 400 ``InvalidRequest``."""
        handle = req.query.get("handle", "")
        did = next((p["did"] for p in self.profiles.values() if p["handle"] == handle), None)
        if did is None:
            return json_reply({"error": "InvalidRequest", "message": "Unable to resolve handle"}, 400)
        return json_reply({"did": did})

    def get_posts(self, req: Request) -> Reply:
        """``{"posts": [PostView]}`` for the known ``uris`` (unknown ones are left out)."""
        if not self._authed(req):
            return json_reply({"error": "AuthMissing", "message": "Authentication Required"}, 401)
        from urllib.parse import parse_qs, urlsplit

        uris = parse_qs(urlsplit(req.raw_url).query).get("uris", [])
        return json_reply({"posts": [copy.deepcopy(p) for p in self.posts if p["uri"] in uris]})

    def add(self, rkey: str, created: str, text: str) -> str:
        p = copy.deepcopy(self.posts[-1])
        p["uri"] = p["uri"].rsplit("/", 1)[0] + "/" + rkey
        p["record"] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": ["en"]}
        p["indexedAt"] = created
        self.posts.append(p)
        uri: str = p["uri"]
        return uri
