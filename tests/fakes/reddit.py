"""Fake Reddit OAuth API replaying praw's recorded token, search and comment listings."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload

CLIENT_ID, CLIENT_SECRET = "test-client-id", "test-client-secret"
TOKEN = "<ACCESS_TOKEN>"  # the recorded (scrubbed) token


def _listing(children: list[dict[str, Any]], after: str | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "before": None,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "facets": {},
            "children": children,
        },
    }


class FakeReddit:
    def __init__(self) -> None:
        self.submissions = payload("reddit_search_all.json")["data"]["children"]
        self.comments = payload("reddit_comments_kakapo.json")["data"]["children"]
        rec401 = payload("reddit_401.json")
        self._401 = Reply(
            rec401["status"],
            rec401["body"],
            {
                "Content-Type": "application/json; charset=UTF-8",
                "www-authenticate": rec401["www-authenticate"],
            },
        )
        s = self.server = FakeServer()
        s.route("POST", r"/api/v1/access_token", self.token)
        s.route("GET", r"/r/([^/]+)/search/?", self.search)
        s.route("GET", r"/r/([^/]+)/comments/?", self.comment_listing)
        s.route("GET", r"/api/info/?", self.info)
        s.faults_on(r"/r/[^/]+/search/?", r"/r/[^/]+/comments/?", r"/api/info/?")
        s.fault_replies["401"] = lambda: self._401
        s.fault_replies["429"] = lambda: json_reply(
            {"message": "Too Many Requests", "error": 429}, 429, **{"Retry-After": "30"}
        )

    def token(self, req: Request) -> Reply:
        if not req.headers.get("authorization", "").startswith("Basic "):
            return json_reply(
                {"message": "Unauthorized", "error": 401}, 401, **{"www-authenticate": 'Basic realm="reddit"'}
            )
        assert req.form().get("grant_type") == "client_credentials"
        return json_reply(payload("reddit_access_token.json"))

    def _page(self, req: Request, items: list[dict[str, Any]]) -> Reply:
        if req.headers.get("authorization") != f"bearer {TOKEN}":
            return self._401
        items = sorted(items, key=lambda c: c["data"]["created_utc"], reverse=True)
        q = req.query
        if "after" in q:
            names = [c["data"]["name"] for c in items]
            items = items[names.index(q["after"]) + 1 :] if q["after"] in names else []
        limit = int(q.get("limit", 25))
        page = copy.deepcopy(items[:limit])
        after = page[-1]["data"]["name"] if len(items) > limit else None
        return json_reply(_listing(page, after))

    def search(self, req: Request) -> Reply:
        assert req.query.get("sort") == "new"
        return self._page(req, self.submissions)

    def comment_listing(self, req: Request) -> Reply:
        return self._page(req, self.comments)

    def info(self, req: Request) -> Reply:
        """``GET /api/info/?id=<fullname,...>``: a Listing of the known items (none: empty Listing)."""
        if req.headers.get("authorization") != f"bearer {TOKEN}":
            return self._401
        wanted = [n for n in req.query.get("id", "").split(",") if n]
        by_name = {c["data"]["name"]: c for c in [*self.submissions, *self.comments]}
        return json_reply(_listing([copy.deepcopy(by_name[n]) for n in wanted if n in by_name], None))

    def add_submission(self, name_id: str, created: float, title: str) -> str:
        self.submissions.append(
            {
                "kind": "t3",
                "data": {
                    "id": name_id,
                    "name": f"t3_{name_id}",
                    "title": title,
                    "selftext": "",
                    "author": "someone",
                    "subreddit": "redditdev",
                    "subreddit_name_prefixed": "r/redditdev",
                    "permalink": f"/r/redditdev/comments/{name_id}/x/",
                    "url": f"https://www.reddit.com/r/redditdev/comments/{name_id}/x/",
                    "created_utc": created,
                    "score": 1,
                    "ups": 1,
                    "upvote_ratio": 1.0,
                    "num_comments": 0,
                    "over_18": False,
                    "is_self": True,
                    "domain": "self.redditdev",
                },
            }
        )
        return f"t3_{name_id}"
