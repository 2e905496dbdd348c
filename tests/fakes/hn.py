"""Fake Algolia HN search (``/api/v1/search_by_date``), documented envelope and hit fields, and the
item endpoint (``/api/v1/items/:id``: ``id, created_at, created_at_i, type, author, title, url, text,
points, parent_id, story_id, options, children``; 404 ``{"status":404,"error":"Not Found"}``)."""

from __future__ import annotations

import copy
import math
import operator
import re
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload


class FakeHN:
    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = payload("hn_hits.json")["hits"]
        self.server = FakeServer()
        self.server.route("GET", r"/api/v1/search_by_date", self.search)
        self.server.route("GET", r"/api/v1/items/(\d+)", self.item)
        self.server.faults_on(r"/api/v1/search_by_date", r"/api/v1/items/\d+")

    def _item(self, hit: dict[str, Any]) -> dict[str, Any]:
        is_comment = "comment" in hit["_tags"]
        oid = int(hit["objectID"])
        return {
            "id": oid,
            "created_at": hit.get("created_at") or "",
            "created_at_i": hit["created_at_i"],
            "type": "comment" if is_comment else "story",
            "author": hit.get("author"),
            "title": None if is_comment else hit.get("title"),
            "url": None if is_comment else hit.get("url"),
            "text": hit.get("comment_text") if is_comment else hit.get("story_text"),
            "points": hit.get("points"),
            "parent_id": hit.get("parent_id"),
            "story_id": hit.get("story_id") or oid,
            "options": [],
            "children": [self._item(h) for h in self.hits if h.get("parent_id") == oid],
        }

    def item(self, req: Request) -> Reply:
        hit = next((h for h in self.hits if h["objectID"] == req.groups[0]), None)
        if hit is None:
            return json_reply({"status": 404, "error": "Not Found"}, 404)
        return json_reply(self._item(hit))

    def search(self, req: Request) -> Reply:
        q = req.query
        items = sorted(self.hits, key=lambda h: (h["created_at_i"], h["objectID"]), reverse=True)
        for f in filter(None, q.get("numericFilters", "").split(",")):
            m = re.fullmatch(r"created_at_i(>=|>|<=|<)(\d+)", f)
            assert m, f
            op, v = m.group(1), int(m.group(2))
            ops = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
            items = [h for h in items if ops[op](h["created_at_i"], v)]
        tags = q.get("tags", "")
        if tags:
            wanted = tags.strip("()").split(",")
            items = [h for h in items if set(wanted) & set(h["_tags"])]
        per, page = int(q.get("hitsPerPage", 20)), int(q.get("page", 0))
        chunk = copy.deepcopy(items[page * per : (page + 1) * per])
        return json_reply(
            {
                "hits": chunk,
                "nbHits": len(items),
                "page": page,
                "nbPages": max(1, math.ceil(len(items) / per)),
                "hitsPerPage": per,
                "exhaustiveNbHits": True,
                "query": q.get("query", ""),
                "params": "",
                "processingTimeMS": 1,
            }
        )

    def add(self, oid: str, created_i: int, title: str) -> str:
        self.hits.append(
            {
                "objectID": oid,
                "created_at_i": created_i,
                "created_at": "",
                "author": "newbie",
                "title": title,
                "url": None,
                "story_text": "<p>new</p>",
                "comment_text": None,
                "points": 1,
                "num_comments": 0,
                "story_id": None,
                "parent_id": None,
                "_tags": ["story", f"story_{oid}"],
            }
        )
        return oid
