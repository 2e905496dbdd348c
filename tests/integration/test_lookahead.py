"""The worker's look-ahead (``Pipeline.process(lookahead=True)``): on PostgreSQL the next batch is
claimed in a second transaction and classified on a background thread while the current batch is
written. Nothing may be processed twice, a batch held ahead is invisible to other workers, and a
failure or a stop gives its rows back."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

import pytest
from sqlmodel import func, select

from connectors.base import Mention
from monitor.bootstrap import Container, build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.models import ClassificationRow, MentionRow, Notification
from monitor.sentiment.base import Classification
from monitor.service import WorkerLoop
from tests.doubles import KeywordClassifier, RecordingNotifier

BATCH = 8
TEXTS = ["SET SEG claims portal is down, terrible", "love SET SEG, thanks", "SET SEG annual meeting"]


class CountingClassifier(KeywordClassifier):
    """Counts every text it classifies; ``fail_call`` makes that call (1-based) raise."""

    def __init__(self, fail_call: int | None = None) -> None:
        super().__init__()
        self.texts: Counter[str] = Counter()
        self.fail_call = fail_call
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        with self._lock:
            self.threads.add(threading.current_thread().name)
            if self.fail_call is not None and len(self.calls) + 1 == self.fail_call:
                self.calls.append(0)
                raise RuntimeError("model crashed")
            self.texts.update(texts)
            return super().classify(texts, langs)


def mentions(n: int, clock: FrozenClock) -> list[Mention]:
    now = clock.now()
    return [Mention(source="x", external_id=str(i), url=f"https://x.example/s/{i}", text=f"{TEXTS[i % 3]} #{i}",
                    created_at=now - timedelta(seconds=n - i), author_handle=f"u{i}", author_reach=10 * i, lang="en")
            for i in range(n)]


@pytest.fixture
def make(db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock) -> Iterator[Callable[..., Container]]:
    cfg = make_config(db=db_url, worker={"batch_size": BATCH, "poll_interval": 0.05})
    made: list[Container] = []

    def build_one(classifier: KeywordClassifier | None = None) -> Container:
        c = build(cfg, clock=clock, classifier=classifier or CountingClassifier(),
                  notifiers={"log": RecordingNotifier()})
        c.start()
        made.append(c)
        return c

    yield build_one
    for c in made:
        c.pipeline.release_lookahead()
        c.store.engine.dispose()


def drain(c: Container) -> None:
    while c.pipeline.process(lookahead=True) + c.pipeline.deliver():
        pass


def check_once(c: Container, n: int) -> None:
    with c.store.session() as s:
        assert s.exec(select(func.count()).select_from(MentionRow).where(MentionRow.state == "routed")).one() == n
        per_mention = s.exec(select(ClassificationRow.mention_id, func.count()).group_by(
            ClassificationRow.mention_id)).all()
        assert len(per_mention) == n and {k for _, k in per_mention} == {1}
        notes = s.exec(select(Notification)).all()
    assert notes and all(x.status == "sent" for x in notes)
    assert len({x.idempotency_key for x in notes}) == len(notes)


def test_lookahead_classifies_and_routes_each_mention_once(make: Callable[..., Container],
                                                           clock: FrozenClock) -> None:
    clf = CountingClassifier()
    c = make(clf)
    n = 5 * BATCH + 3
    c.store.add_new_mentions("replay", "replay", mentions(n, clock), "c1", now=clock.now())
    drain(c)
    check_once(c, n)
    assert sum(clf.texts.values()) == n and max(clf.texts.values()) == 1
    if c.store.dialect == "postgresql":
        assert any(t.startswith("classify-ahead") for t in clf.threads)  # the look-ahead ran
    else:
        assert clf.threads == {threading.current_thread().name}  # SQLite: one writer, no look-ahead


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_batch_held_ahead_is_skipped_by_other_workers_and_given_back(make: Callable[..., Container],
                                                                       clock: FrozenClock) -> None:
    a, b = make(), make()
    ms = mentions(4 * BATCH, clock)
    a.store.add_new_mentions("replay", "replay", ms, "c1", now=clock.now())
    assert a.pipeline.process(lookahead=True) == BATCH  # batch 1 done, batch 2 held ahead by a
    assert b.pipeline.process() == BATCH  # b skips the locked batch 2 and takes batch 3
    with b.store.session() as s:
        routed = sorted(int(m.external_id) for m in s.exec(select(MentionRow).where(MentionRow.state == "routed")))
    assert routed == list(range(BATCH)) + list(range(2 * BATCH, 3 * BATCH))
    a.pipeline.release_lookahead()  # a stops: batch 2 goes back to "new"
    drain(b)
    check_once(b, len(ms))
    assert a.pipeline.process(lookahead=True) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_classifier_failure_ahead_rolls_back_and_loses_nothing(make: Callable[..., Container],
                                                                 clock: FrozenClock) -> None:
    clf = CountingClassifier(fail_call=2)  # call 1: batch 1 in the foreground; call 2: batch 2 ahead
    c = make(clf)
    n = 3 * BATCH
    c.store.add_new_mentions("replay", "replay", mentions(n, clock), "c1", now=clock.now())
    assert c.pipeline.process(lookahead=True) == BATCH
    with pytest.raises(RuntimeError, match="model crashed"):
        c.pipeline.process(lookahead=True)
    with c.store.session() as s:
        assert s.exec(select(func.count()).select_from(MentionRow).where(MentionRow.state == "new")).one() == 2 * BATCH
    drain(c)
    check_once(c, n)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_worker_loop_gives_its_lookahead_back_when_it_stops(make: Callable[..., Container],
                                                                clock: FrozenClock) -> None:
    c, other = make(), make()
    n = 40 * BATCH
    c.store.add_new_mentions("replay", "replay", mentions(n, clock), "c1", now=clock.now())
    stop = threading.Event()
    loop = threading.Thread(target=WorkerLoop(c, stop).run)
    loop.start()
    try:
        for _ in range(400):
            if c.store.count_mentions(state="routed") >= 2 * BATCH:
                break
            threading.Event().wait(0.01)
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()
    # nothing is left locked: another worker drains the rest
    drain(other)
    check_once(other, n)
