"""Fake Bluesky PDS/AppView: createSession (JWT with exp, no didDoc), searchPosts, getProfiles,
getAuthorFeed (an account's posts and reposts), and for link lookups resolveHandle and getPosts."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime
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
        #: author-feed items that are reposts: ``{"post": PostView, "reason": reasonRepost}``
        self.reposts: list[dict[str, Any]] = []
        #: actors getAuthorFeed answers 400 "Profile not found" for (every other actor exists)
        self.missing_actors: set[str] = set()
        self.feed_template: dict[str, Any] = payload("bluesky_author_feed.json")
        self.jwt = f"{_seg({'alg': 'HS256', 'typ': 'JWT'})}.{_seg({'exp': 4102444800, 'sub': 'did:plc:brand'})}.sig"
        s = self.server = FakeServer()
        s.route("POST", r"/xrpc/com.atproto.server.createSession", self.create_session)
        s.route("GET", r"/xrpc/app.bsky.feed.searchPosts", self.search)
        s.route("GET", r"/xrpc/app.bsky.actor.getProfiles", self.get_profiles)
        s.route("GET", r"/xrpc/com.atproto.identity.resolveHandle", self.resolve_handle)
        s.route("GET", r"/xrpc/app.bsky.feed.getPosts", self.get_posts)
        s.route("GET", r"/xrpc/app.bsky.feed.getAuthorFeed", self.author_feed)
        s.faults_on(
            r"/xrpc/app.bsky.feed.searchPosts", r"/xrpc/app.bsky.feed.getPosts", r"/xrpc/app.bsky.feed.getAuthorFeed"
        )
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

    def author_feed(self, req: Request) -> Reply:
        """``app.bsky.feed.getAuthorFeed`` (no auth needed): the actor's posts, a reply with its
        ``reply`` ref of post views (``notFoundPost`` for a post it does not have), and its reposts
        with their ``reasonRepost``, in the shapes of ``bluesky_author_feed.json``. Newest first by
        the AppView's sort time (a post's ``indexedAt``, its ``createdAt`` when that is earlier; a
        repost's ``indexedAt``), ``limit`` (default 50) a page, with an opaque ``<ms>::<id>`` cursor
        after a page that holds items. An actor in :attr:`missing_actors` gets 400
        ``InvalidRequest`` "Profile not found"."""
        q = req.query
        actor = q.get("actor", "")
        if actor in self.missing_actors:
            return json_reply({"error": "InvalidRequest", "message": "Profile not found"}, 400)
        found: list[tuple[int, str, dict[str, Any]]] = []
        for p in self.posts:
            if actor not in (p["author"]["did"], p["author"]["handle"]):
                continue
            item: dict[str, Any] = {"post": p}
            reply = p["record"].get("reply")
            if reply:
                if q.get("filter") == "posts_no_replies":
                    continue
                item["reply"] = {"root": self._view(reply["root"]["uri"]), "parent": self._view(reply["parent"]["uri"])}
            found.append((min(_ms(p["record"]["createdAt"]), _ms(p["indexedAt"])), p["uri"], item))
        for r in self.reposts:
            by = r["reason"]["by"]
            if actor in (by["did"], by["handle"]):
                found.append((_ms(r["reason"]["indexedAt"]), r["reason"]["uri"], r))
        found.sort(key=lambda f: (f[0], f[1]), reverse=True)
        if q.get("cursor"):
            ms, _, key = q["cursor"].partition("::")
            found = [f for f in found if (f[0], f[1]) < (int(ms), key)]
        page = found[: int(q.get("limit") or 50)]
        body: dict[str, Any] = {"feed": [copy.deepcopy(item) for _, _, item in page]}
        if page:
            body["cursor"] = f"{page[-1][0]}::{page[-1][1]}"
        return json_reply(body)

    def _view(self, uri: str) -> dict[str, Any]:
        """The post view of ``uri`` as a union member of a reply ref (``notFoundPost`` when unknown)."""
        post = next((p for p in self.posts if p["uri"] == uri), None)
        if post is None:
            return {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri, "notFound": True}
        return {"$type": "app.bsky.feed.defs#postView", **copy.deepcopy(post)}

    def repost(self, by: dict[str, Any], uri: str, at: str, rkey: str) -> str:
        """``by`` (a profile view: ``did``, ``handle``) reposts the post ``uri`` at ``at``; returns the
        repost record's URI."""
        post = next(p for p in self.posts if p["uri"] == uri)
        reason = copy.deepcopy(self.feed_template["feed"][1]["reason"])
        reason.update(by=copy.deepcopy(by), uri=f"at://{by['did']}/app.bsky.feed.repost/{rkey}", indexedAt=at)
        self.reposts.append({"post": post, "reason": reason})
        repost_uri: str = reason["uri"]
        return repost_uri

    def load_author_feed(self) -> list[dict[str, Any]]:
        """Serve the items of ``bluesky_author_feed.json``: its posts join :attr:`posts` (those not
        there yet) and its reposts :attr:`reposts`; returns the page's items."""
        feed: list[dict[str, Any]] = copy.deepcopy(self.feed_template["feed"])
        known = {p["uri"] for p in self.posts}
        for item in feed:
            if "reason" in item:
                self.reposts.append(item)
            elif item["post"]["uri"] not in known:
                self.posts.append(item["post"])
        return feed

    def add(self, rkey: str, created: str, text: str) -> str:
        p = copy.deepcopy(self.posts[-1])
        p["uri"] = p["uri"].rsplit("/", 1)[0] + "/" + rkey
        p["record"] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": ["en"]}
        p["indexedAt"] = created
        self.posts.append(p)
        uri: str = p["uri"]
        return uri


def _ms(stamp: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time."""
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
