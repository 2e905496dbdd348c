"""Two forwards of one post sent seconds apart are decided in one triage batch: both are in the
item's history, and the alert carries the earlier one's note with the later one's (judge AB,
2026-12-07: the first forward, urgent, "it is getting shared in the band directors' group chat",
left no line in the history and reached no alert)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from connectors.base import Mention
from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.storage.models import QueueItem
from tests.doubles import KeywordClassifier, RecordingNotifier


def test_two_forwards_decided_together_are_both_recorded_and_alerted(
        db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock) -> None:
    rec = RecordingNotifier()
    c = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(), notifiers={"log": rec})
    c.start()
    post = Mention(source="x", external_id="77", url="https://x.com/dir/status/77", created_at=clock.now(),
                   author_handle="dir", author_reach=900, text="SET SEG denied the band trip claim, no reason given")
    for urgency, note in (("high", "This one is getting shared in the band directors' group chat"),
                          ("normal", "Same post, with tracking param")):
        c.pipeline.submit_scout(url=post.url, note=note, category="criticism", urgency=urgency,
                                submitted_by="sam@setseg.example", submitter_name="Sam Rivera", fetched=post)
    c.pipeline.run_once()
    with c.store.session() as s:
        (item,) = s.exec(select(QueueItem)).all()
    forwards = [e for e in c.store.audit_events(object_type="queue_item")
                if e.action == "queue.forwarded" and e.object_id == str(item.id)]
    assert [e.details["urgency"] for e in forwards] == ["high", "normal"]
    (alert,) = [m for m in rec.sent if m.kind == "alert" and m.receiver == "marketing-sales"]
    note = alert.payload["scout_note"]
    assert note.startswith("Same post, with tracking param") and "band directors' group chat" in note, note
    assert "earlier, Sam Rivera (urgent): " in note  # the form's word, not the stored "high"
    c.store.engine.dispose()
