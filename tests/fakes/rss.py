"""Fake news-alert feed: static RSS 2.0 with ETag / Last-Modified, answering 304 on a match."""

from __future__ import annotations

import hashlib

from tests.fakes.server import FakeServer, Reply, Request, payload_bytes

PATH = "/alerts/setseg.rss"
LAST_MODIFIED = "Fri, 01 May 2026 10:00:00 GMT"


class FakeFeed:
    def __init__(self) -> None:
        self.xml = payload_bytes("rss_news.xml")
        self.last_modified = LAST_MODIFIED
        self.server = FakeServer()
        self.server.route("GET", PATH, self.feed)
        self.server.faults_on(PATH)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.xml).hexdigest()[:16] + '"'

    def feed(self, req: Request) -> Reply:
        if req.headers.get("if-none-match") == self.etag:
            return Reply(304, b"", {"ETag": self.etag})
        return Reply(
            200,
            self.xml,
            {
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": self.etag,
                "Last-Modified": self.last_modified,
            },
        )

    def add(self, guid: str, title: str, pub: str) -> str:
        item = (
            f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
            f'<guid isPermaLink="false">{guid}</guid><pubDate>{pub}</pubDate>'
            "<description>&lt;p&gt;More news.&lt;/p&gt;</description></item>\n    "
        ).encode()
        self.xml = self.xml.replace(b"<item>", item + b"<item>", 1)
        self.last_modified = pub.replace("+0000", "GMT")
        return guid
