"""Poisoned input (issue 17): connector payloads with huge numbers, nulls, wrong types, 1 MB texts,
invalid timestamps, control characters and duplicate ids within a page, served by each fake
service to its real client, polled through the real intake into SQLite.

Every case adds one good and one poisoned item; the poisoned one is written into the wire reply
on its way out (the fake's own filtering and paging stay as they are). For each case: the poll
returns without an error (the source keeps flowing), the good item is stored, the poisoned item
is stored sanitised or quarantined with a reason; a final plain post is stored after all cases.
RSS items carry no counts or author objects: only the text, time and duplicate cases apply.

:data:`KNOWN_GAPS` lists the cases a client library refuses as a whole page; each must still
fail exactly so (remove it when fixed). ``len(CASES) * len(KINDS)`` cases minus those survive.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app.bootstrap import build
from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.fakes.harnesses import HARNESSES, Harness
from tests.fakes.server import Reply, Request

Path_ = tuple[str, ...]
MEGA = "SET SEG " + "x" * (1024 * 1024)


@dataclass(frozen=True)
class Case:
    """One poisoning: the value put at each path of a field group (``counts``, ``text``, ``time``,
    ``author``); ``duplicate`` repeats the item in its page (and once more with other text)."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False


CASES = [
    Case("counts-above-int64", {"counts": 2**64 + 1}),
    Case("counts-1e30", {"counts": 10**30}),
    Case("counts-negative", {"counts": -(2**63) - 5}),
    Case("counts-float", {"counts": 1.5e300}),
    Case("counts-null", {"counts": None}),
    Case("counts-string", {"counts": "lots"}),
    Case("counts-list", {"counts": [1, 2]}),
    Case("text-null", {"text": None}),
    Case("text-number", {"text": 12345}),
    Case("text-object", {"text": {"a": 1}}),
    Case("text-1mb", {"text": MEGA}),
    Case("text-control-chars", {"text": "SET SEG \x00 nul \ud800 lone surrogate \u202e rtl"}),
    Case("time-invalid", {"time": "not-a-date"}),
    Case("time-null", {"time": None}),
    Case("time-out-of-range", {"time": "99999-01-01T00:00:00Z"}),
    Case("time-far-future", {"time": "2999-01-01T00:00:00Z"}),
    Case("author-null", {"author": None}),
    Case("author-string", {"author": "not-an-object"}),
    Case("duplicate-ids", duplicate=True),
]


#: (source, case) -> why the whole page still fails (the source retries and stays unhealthy until
#: the page changes). A fixed gap makes the test fail until it is removed from here.
KNOWN_GAPS: dict[tuple[str, str], str] = {
}


@dataclass
class Kind:
    """How one fake's wire items look: the paths of each field group, how to add an item."""

    kind: str
    items: Callable[[Any], list[dict[str, Any]]]
    paths: dict[str, list[Path_]]
    add: Callable[[Harness, int, str], str]  # (harness, case number, text) -> external id
    options: dict[str, Any] | None = None
    numeric_time: bool = False
    cases: tuple[str, ...] | None = None  # the case names that apply (None: all)


def _at(h: Harness, k: int) -> Any:
    return h.now - timedelta(minutes=10) + timedelta(seconds=5 * k)


def _iso(h: Harness, k: int) -> str:
    return str(_at(h, k).strftime("%Y-%m-%dT%H:%M:%S.000Z"))


def _mastodon_add(h: Harness, k: int, text: str) -> str:
    return str(h.fake.add(113000000000001000 + k, _iso(h, k), text))


def _x_add(h: Harness, k: int, text: str) -> str:
    tid = str(((int(_at(h, k).timestamp() * 1000) - 1288834974657) << 22) | k)
    h.fake.add(tid, text, author_id="42")
    return tid


def _hn_add(h: Harness, k: int, text: str) -> str:
    return str(h.fake.add(str(44200000 + k), int(_at(h, k).timestamp()), text))


def _bluesky_add(h: Harness, k: int, text: str) -> str:
    return str(h.fake.add(f"3lzz{k:09d}", _iso(h, k), text))


def _reddit_add(h: Harness, k: int, text: str) -> str:
    return str(h.fake.add_submission(f"zz{k:05d}", _at(h, k).timestamp(), text))


def _rss_add(h: Harness, k: int, text: str) -> str:
    guid = f"poison-case-{k:03d}"
    return str(h.fake.add(guid, html.escape(text), _at(h, k).strftime("%a, %d %b %Y %H:%M:%S +0000")))


RSS_CASES = ("text-null", "text-number", "text-1mb", "text-control-chars", "time-invalid", "time-null",
             "time-out-of-range", "time-far-future", "duplicate-ids")


KINDS: dict[str, Kind] = {
    "mastodon": Kind(
        "mastodon", lambda b: b if isinstance(b, list) else b.get("statuses", []),
        {"counts": [("account", "followers_count"), ("favourites_count",), ("reblogs_count",), ("replies_count",)],
         "text": [("content",)], "time": [("created_at",)], "author": [("account",)]},
        _mastodon_add, options={"hashtags": ["setseg"], "limit": 40}),
    "x": Kind(
        "x", lambda b: b.get("data", []) if isinstance(b, dict) else [],
        {"counts": [("public_metrics", "like_count"), ("public_metrics", "retweet_count"),
                    ("public_metrics", "reply_count"), ("public_metrics", "quote_count")],
         "text": [("text",)], "time": [("created_at",)], "author": [("author_id",)]},
        _x_add),
    "hn": Kind(
        "hn", lambda b: b.get("hits", []), {"counts": [("points",), ("num_comments",)],
                                            "text": [("title",), ("story_text",)],
                                            "time": [("created_at_i",), ("created_at",)], "author": [("author",)]},
        _hn_add, options={"query": "SET SEG", "hits_per_page": 20}, numeric_time=True),
    "bluesky": Kind(
        "bluesky", lambda b: b.get("posts", []),
        {"counts": [("likeCount",), ("repostCount",), ("replyCount",), ("quoteCount",)],
         "text": [("record", "text")], "time": [("record", "createdAt"), ("indexedAt",)], "author": [("author",)]},
        _bluesky_add, options={"query": "SET SEG", "limit": 25}),
    "reddit": Kind(
        "reddit", lambda b: [c["data"] for c in b.get("data", {}).get("children", [])],
        {"counts": [("score",), ("ups",), ("num_comments",)], "text": [("title",), ("selftext",)],
         "time": [("created_utc",)], "author": [("author",)]},
        _reddit_add, numeric_time=True),
    "rss": Kind("rss", lambda _b: [], {"text": [("title",)], "time": [("pubDate",)]}, _rss_add, cases=RSS_CASES),
}


def _poison_xml(xml: bytes, marker: str, case: Case) -> bytes:
    """The feed with the ``<item>`` holding ``marker`` poisoned (text, time) or repeated."""
    doc = xml.decode("utf-8", "surrogatepass")
    m = re.search(r"<item>(?:(?!</item>).)*?" + marker + r".*?</item>", doc, re.S)
    if m is None:
        return xml
    item = m.group(0)
    for group, value in case.values.items():
        tag = "title" if group == "text" else "pubDate"
        text = "" if value is None else html.escape(str(value))
        if group == "time" and value is None:
            item = re.sub(r"<pubDate>.*?</pubDate>", "", item, flags=re.S)
        else:
            element = f"<{tag}>{text}</{tag}>"
            item = re.sub(rf"<{tag}>.*?</{tag}>", element.replace("\\", "\\\\"), item, flags=re.S)
    if case.duplicate:
        twin = re.sub(r"<title>.*?</title>", f"<title>SET SEG other text under the same guid {marker}</title>", item)
        item = item + item + twin
    return (doc[: m.start()] + item + doc[m.end():]).encode("utf-8", "surrogatepass")


def _put(item: dict[str, Any], path: Path_, value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(item.get(key), dict):
            item[key] = {}
        item = item[key]
    item[path[-1]] = copy.deepcopy(value)


class Poisoner:
    """Serves the fake's real reply with the marked item poisoned (a ``fail_on`` hook)."""

    def __init__(self, h: Harness, kind: Kind) -> None:
        self.h, self.kind = h, kind
        self.case: Case | None = None
        self.marker = ""

    def __call__(self, req: Request) -> Reply | None:
        if self.case is None:
            return None
        server = self.h.server
        for method, pattern, handler in server.routes:
            m = pattern.match(req.path)
            if m and method == req.method:
                req.groups = m.groups()
                reply = handler(req)
                break
        else:
            return None
        if isinstance(reply.body, (bytes, bytearray)) and self.kind.kind == "rss":
            xml = _poison_xml(bytes(reply.body), self.marker, self.case)
            headers = {k: v for k, v in reply.headers.items() if k.lower() not in ("etag", "last-modified")}
            return Reply(reply.status, xml, headers)  # no validators: the next poll reads it afresh
        if not isinstance(reply.body, (dict, list)):
            return reply
        body = copy.deepcopy(reply.body)
        items = self.kind.items(body)
        for item in [i for i in items if self.marker in json.dumps(i)]:
            for group, value in self.case.values.items():
                if group == "time" and self.kind.numeric_time and isinstance(value, str) and value[:1] in "29":
                    value = 10**20 if value.startswith("9") else 32503680000  # none / year 3000
                for path in self.kind.paths[group]:
                    _put(item, path, value)
            if self.case.duplicate:
                twin = copy.deepcopy(item)
                items.append(copy.deepcopy(item))
                _put(twin, self.kind.paths["text"][0], f"SET SEG other text under the same id {self.marker}")
                items.append(twin)
        return Reply(reply.status, body, reply.headers)


def _container(h: Harness, kind: Kind, tmp_path: Path, make_config: Callable[..., AppConfig]) -> Container:
    creds = {k: f"CRED_{k.upper()}" for k in h.credentials()}
    env = {f"CRED_{k.upper()}": v for k, v in h.credentials().items()}
    cfg = make_config(db=f"sqlite:///{tmp_path}/{kind.kind}.db", env=env, sources=[{
        "name": kind.kind, "type": kind.kind, "api_base": h.api_base(), "max_retries": 0,
        "backfill": f"{int(h.backfill.total_seconds())}s", "credentials": creds,
        "options": kind.options or h.options()}])
    c = build(cfg, clock=FrozenClock(h.now), classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    return c


@pytest.fixture(params=sorted(KINDS))
def setup(request: pytest.FixtureRequest, tmp_path: Path, make_config: Callable[..., AppConfig]
          ) -> Iterator[tuple[Harness, Kind, Container]]:
    h = HARNESSES[request.param](lambda _s: None)
    kind = KINDS[request.param]
    c = _container(h, kind, tmp_path, make_config)
    try:
        yield h, kind, c
    finally:
        c.store.engine.dispose()
        h.close()


def _outcome(c: Container, name: str, external_id: str, marker: str) -> str:
    """``stored``, ``quarantined`` (with a reason) or ``lost``."""
    if c.store.find_mention(name, external_id) is not None:
        return "stored"
    for q in c.store.quarantined(name):
        if (q.external_id == external_id or marker in q.raw) and q.error_class and q.error:
            return "quarantined"
    return "lost"


def test_poisoned_payloads_leave_every_source_flowing(setup: tuple[Harness, Kind, Container]) -> None:
    h, kind, c = setup
    poisoner = Poisoner(h, kind)
    h.server.fail_on = poisoner
    first = c.pipeline.poll(kind.kind)
    assert first.error is None, first
    failures: list[str] = []
    outcomes: dict[str, str] = {}
    cases = [c for c in CASES if kind.cases is None or c.name in kind.cases]
    for k, case in enumerate(cases, 1):
        good = kind.add(h, 2 * k, f"SET SEG good post GOOD{k:03d}")
        marker = f"ZZPOISON{k:03d}"
        bad = kind.add(h, 2 * k + 1, f"SET SEG poisoned post {marker}")
        poisoner.case, poisoner.marker = case, marker
        report = c.pipeline.poll(kind.kind)  # must return, never raise
        poisoner.case = None
        gap = KNOWN_GAPS.get((kind.kind, case.name))
        if gap is not None:
            if not report.error:
                failures.append(f"{case.name}: listed in KNOWN_GAPS but survived now: remove it from there")
            c.pipeline.poll(kind.kind)  # the page without the poison: the source flows again
            continue
        if report.error:
            failures.append(f"{case.name}: poll failed: {report.error}")
            continue
        if c.store.find_mention(kind.kind, good) is None:
            failures.append(f"{case.name}: the good post {good} was not stored")
        outcomes[case.name] = _outcome(c, kind.kind, bad, marker)
        if outcomes[case.name] == "lost":
            failures.append(f"{case.name}: the poisoned post {bad} was neither stored nor quarantined")
    final = kind.add(h, 2 * len(cases) + 2, "SET SEG a plain post after all the poison")
    last = c.pipeline.poll(kind.kind)
    assert last.error is None and c.store.find_mention(kind.kind, final) is not None, (last, final)
    for row in c.store.quarantined(kind.kind):
        assert row.error_class and row.error, row  # every quarantined item says why
    c.pipeline.run_once()  # the worker gets through whatever was stored
    assert c.store.count_mentions("new") == 0
    assert not failures, f"{kind.kind}: {len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)
