"""Fake X API v2: recent search (tweepy's recorded page plus an older page with fields) and the
single-post lookup ``GET /2/tweets/:id`` (tweepy's recorded ``get_tweet`` body plus every search post)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload

BEARER = "test-bearer-token"
_EPOCH_MS = 1288834974657

# Recorded rate-limit headers (tweepy cassette), with a live reset.
RATE_HEADERS = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "448", "api-version": "2.52"}


def _ts(tid: str) -> float:
    return ((int(tid) >> 22) + _EPOCH_MS) / 1000


def _problem(status: int, title: str) -> Reply:
    return json_reply({"title": title, "type": "about:blank", "status": status, "detail": title}, status)


class FakeX:
    """Serves ``GET /2/tweets/search/recent`` honouring since_id, start_time, max_results, next_token;
    its ``includes.users`` holds the posts' authors and (``expansions=in_reply_to_user_id``) the
    accounts they reply to."""

    def __init__(self) -> None:
        page1 = payload("x_search_recent_page1.json")
        self.tweets: list[dict[str, Any]] = list(page1["data"])  # recorded, id/text/edit history only
        older = payload("x_search_recent_page2.json")
        self.tweets += older["data"]
        self.users: dict[str, dict[str, Any]] = {u["id"]: u for u in older["includes"]["users"]}
        #: posts only the lookup serves (not in search results): tweepy's recorded get_tweet body
        self.lookup_only: list[dict[str, Any]] = [payload("x_get_tweet.json")["data"]]
        self.server = FakeServer()
        self.server.route("GET", r"/2/tweets/search/recent", self.search)
        self.server.route("GET", r"/2/tweets/(\d+)", self.get_tweet)
        self.server.faults_on(r"/2/tweets/search/recent", r"/2/tweets/\d+")
        self.server.fault_replies["429"] = lambda: self._429(self.server.clock())
        self.server.fault_replies["401"] = lambda: _problem(401, "Unauthorized")

    @staticmethod
    def _429(now: float) -> Reply:
        r = _problem(429, "Too Many Requests")
        r.headers.update(
            {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(now) + 30),
            }
        )
        return r

    def add(self, tid: str, text: str, author_id: str | None = None) -> None:
        t: dict[str, Any] = {"edit_history_tweet_ids": [tid], "id": tid, "text": text}
        if author_id:
            t["author_id"] = author_id
        self.tweets.append(t)

    def get_tweet(self, req: Request) -> Reply:
        """``GET /2/tweets/:id``: the post (fields as stored) plus its author under includes when
        ``expansions`` asks for it; a missing post is X's 200 with ``errors[]`` and no ``data``."""
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return _problem(401, "Unauthorized")
        tid = req.groups[0]
        tweet = next((t for t in [*self.tweets, *self.lookup_only] if t["id"] == tid), None)
        headers = {**RATE_HEADERS, "x-rate-limit-reset": str(int(self.server.clock()) + 900)}
        if tweet is None:
            return json_reply(
                {
                    "errors": [
                        {
                            "value": tid,
                            "detail": f"Could not find tweet with id: [{tid}].",
                            "title": "Not Found Error",
                            "resource_type": "tweet",
                            "parameter": "id",
                            "resource_id": tid,
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
                **headers,
            )
        body: dict[str, Any] = {"data": copy.deepcopy(tweet)}
        author = tweet.get("author_id")
        if author in self.users and "author_id" in req.query.get("expansions", "").split(","):
            body["includes"] = {"users": [self.users[author]]}
        return json_reply(body, **headers)

    def search(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return _problem(401, "Unauthorized")
        q = req.query
        items = sorted(self.tweets, key=lambda t: int(t["id"]), reverse=True)
        if "since_id" in q:
            items = [t for t in items if int(t["id"]) > int(q["since_id"])]
        elif "start_time" in q:
            start = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00")).timestamp()
            items = [t for t in items if _ts(t["id"]) >= start]
        size = int(q.get("max_results", 10))
        offset = int(q["next_token"].removeprefix("tok-")) if "next_token" in q else 0
        page = [copy.deepcopy(t) for t in items[offset : offset + size]]
        if not page:
            return json_reply({"meta": {"result_count": 0}}, **RATE_HEADERS, **{"x-rate-limit-reset": "0"})
        meta: dict[str, Any] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        meta["result_count"] = len(page)
        if offset + size < len(items):
            meta["next_token"] = f"tok-{offset + size}"
        body: dict[str, Any] = {"data": page, "meta": meta}
        authors = {t["author_id"] for t in page if "author_id" in t}
        if "in_reply_to_user_id" in q.get("expansions", "").split(","):  # the accounts replied to
            authors |= {t["in_reply_to_user_id"] for t in page if "in_reply_to_user_id" in t}
        if authors:
            body["includes"] = {"users": [self.users[a] for a in sorted(authors) if a in self.users]}
        return json_reply(body, **RATE_HEADERS, **{"x-rate-limit-reset": str(int(self.server.clock()) + 900)})
