"""A scout's forward is stored with the mention it brings in, in one transaction: a worker that
triages the mention always sees it as the scout's (judge J, 2026-12-06: a forward triaged between
the two writes reached Legal as "author unknown", no scout named, the colleague's note shown as
the post), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.base import Mention
from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.intake.scout import ScoutIntake
from tests.doubles import KeywordClassifier, RecordingNotifier


def test_the_hook_runs_in_the_mentions_transaction(db_url: str, make_config: Callable[..., AppConfig],
                                                   clock: FrozenClock) -> None:
    c = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    try:
        m = Mention(source="web", external_id="w1", url="https://example.com/w1", text="note", created_at=clock.now())
        seen: list[Any] = []

        def boom(s: Any, ids: list[int]) -> None:
            seen.append(list(ids))
            raise RuntimeError("the submission could not be stored")

        with pytest.raises(RuntimeError):
            c.store.add_new_mentions("scout", "scout", [m], None, now=clock.now(), then=boom)
        assert len(seen) == 1 and len(seen[0]) == 1
        assert c.store.find_mention("web", "w1") is None  # neither without the other
    finally:
        c.store.engine.dispose()


def test_a_red_forward_reaches_legal_naming_the_scout(db_url: str, make_config: Callable[..., AppConfig],
                                                      clock: FrozenClock) -> None:
    c = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    try:
        sub = ScoutIntake(store=c.store, clock=clock).submit(
            url="https://www.linkedin.com/posts/ex-colleague", note="an ex-colleague posted Project Falcon pricing",
            category="other", urgency="high", submitted_by="sam@setseg.example", submitter_name="Sam Rivera")
        assert sub.mention_id is not None
        c.pipeline.run_once()
        [legal] = [n for n in c.store.notifications(kind="alert") if n.receiver == "legal-compliance"]
        assert legal.payload["scout"] is True and legal.payload["scout_name"] == "Sam Rivera"
        assert legal.payload["text_is_scout_note"] is True
    finally:
        c.store.engine.dispose()
