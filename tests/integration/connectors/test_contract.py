"""One contract suite over every registered connector type (except ``replay``).

Each type runs with its real client library against its fake server (``tests/fakes``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors import CONNECTORS, registry
from connectors.base import FetchResult, Mention
from monitor.errors import FatalSourceError, RetriableSourceError
from tests.fakes.harnesses import HARNESSES

KINDS = sorted(k for k in registry() if k != "replay" and k in HARNESSES)
KINDS_ALL = sorted(k for k in registry() if k != "replay")
HTML_SOURCES = {"mastodon", "hn", "rss"}  # their text arrives as HTML and must be stripped
KINDS_OK = {"post", "comment", "repost", "quote", "reply", "story", "article"}


def test_every_builtin_connector_has_a_harness():
    assert set(CONNECTORS) - {"replay"} <= set(HARNESSES)


def check_well_formed(kind: str, res: FetchResult) -> None:
    assert isinstance(res, FetchResult)
    assert res.mentions, "the fake serves matching items"
    keys = set()
    for m in res.mentions:
        assert isinstance(m, Mention)
        assert m.source == kind
        assert isinstance(m.external_id, str) and m.external_id
        assert m.created_at.tzinfo is not None and m.created_at.utcoffset() == timedelta(0)
        assert m.url.startswith(("http://", "https://")), m.url
        assert isinstance(m.text, str) and m.text.strip()
        if kind in HTML_SOURCES:
            assert "<p>" not in m.text and "</p>" not in m.text and "<a " not in m.text, m.text
        assert min(m.likes, m.reposts, m.replies, m.quotes, m.author_reach) >= 0
        assert m.kind in KINDS_OK
        assert all(isinstance(link, str) for link in m.links)
        keys.add((m.source, m.external_id))
    assert len(keys) == len(res.mentions), "no duplicates within one fetch"
    times = [m.created_at for m in res.mentions]
    assert times == sorted(times), "oldest first"
    assert res.cursor is None or isinstance(res.cursor, str)
    assert res.pages >= 1


@pytest.mark.parametrize("kind", KINDS)
def test_fetch_is_well_formed_and_resumable(kind, harness_factory):
    h = harness_factory(kind)
    c = h.connector()
    progress: list[tuple[int, int | None]] = []
    first = c.fetch(None, h.ctx(progress=lambda d, t: progress.append((d, t))))
    check_well_formed(kind, first)
    assert first.cursor, "a first fetch with results returns a cursor"
    assert progress, "first run reports progress"
    second = c.fetch(first.cursor, h.ctx())
    seen = {m.external_id for m in first.mentions}
    assert not [m for m in second.mentions if m.external_id in seen], "re-fetch from the cursor repeats nothing"
    new_id = h.add_new()
    cursor = second.cursor or first.cursor
    third = c.fetch(cursor, h.ctx())
    assert [m.external_id for m in third.mentions] == [new_id]
    check_well_formed(kind, third)


FAULTS = [
    ("429", RetriableSourceError),
    ("500", RetriableSourceError),
    ("timeout", RetriableSourceError),
    ("malformed", RetriableSourceError),
    ("401", FatalSourceError),
]


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=[f for f, _ in FAULTS])
@pytest.mark.parametrize("kind", KINDS)
def test_failures_raise_the_documented_error_and_keep_the_cursor(kind, fault, error, harness_factory, sleeps):
    h = harness_factory(kind)
    c = h.connector(max_retries=1, timeout=0.4)
    first = c.fetch(None, h.ctx())
    cursor = first.cursor
    new_id = h.add_new()
    sleeps.calls.clear()
    h.server.inject(fault, delay=1.0)
    with pytest.raises(error) as info:
        c.fetch(cursor, h.ctx())
    exc = info.value
    assert type(exc) is error  # nothing returned: the caller keeps its cursor
    for secret in h.credentials().values():
        assert secret not in str(exc)
    if fault == "429":
        assert exc.retry_after is not None and 0 < exc.retry_after <= 3600
        assert sleeps.calls == [], "rate limits are not slept off inside the connector"
    elif fault in ("500", "timeout"):
        assert len(sleeps.calls) == 1, "one backoff (max_retries=1), through the injected sleep"
    elif fault == "401":
        assert sleeps.calls == []
    # the source recovers from the unchanged cursor and loses nothing
    h.server.clear()
    again = c.fetch(cursor, h.ctx())
    assert new_id in [m.external_id for m in again.mentions]
    assert not {m.external_id for m in again.mentions} & {m.external_id for m in first.mentions}


PAGINATED = [k for k in ("x", "hn", "bluesky", "mastodon") if k in KINDS]


@pytest.mark.parametrize("kind", PAGINATED)
def test_restart_mid_pagination_loses_nothing_and_stores_nothing_twice(kind, harness_factory):
    """Page 2 fails (500, every retry): the fetch raises and returns nothing; a restart from the
    old cursor fetches everything; with de-duplication on (source, external_id) the store ends
    up with exactly the clean run's mentions."""
    from tests.fakes.server import json_reply

    clean_h = harness_factory(kind)
    clean = {(m.source, m.external_id) for m in clean_h.connector().fetch(None, clean_h.ctx()).mentions}

    h = harness_factory(kind)
    c = h.connector(max_retries=1)
    data_hits = 0

    def second_page_fails(req):
        nonlocal data_hits
        if any(p.match(req.path) for p in h.server.fault_paths):
            data_hits += 1
            if data_hits >= 2:
                return json_reply({"error": "InternalServerError"}, 500)
        return None

    h.server.fail_on = second_page_fails
    store: dict[tuple[str, str], Mention] = {}
    cursor: str | None = None
    with pytest.raises(RetriableSourceError):
        c.fetch(cursor, h.ctx())
    assert data_hits >= 2, "the fetch really was paginated"
    h.server.clear()
    res = c.fetch(cursor, h.ctx())  # the cursor did not move
    for m in res.mentions:
        assert (m.source, m.external_id) not in store
        store[(m.source, m.external_id)] = m
    assert set(store) == clean
    assert c.fetch(res.cursor, h.ctx()).mentions == []
