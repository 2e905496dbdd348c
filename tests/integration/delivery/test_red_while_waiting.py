"""A message that waits to gather its group's posts (``group_wait``) is sent as the item is when it
goes out: after a person marks the item red, a receiver not cleared for red gets the red notice
(text, reasons, author, link withheld) and kudos nothing (judge AB, 2026-12-07: two full-text
yellow alerts reached Marketing & Sales minutes after Legal's "Mark red")."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from connectors.base import Mention
from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.queue.actions import QueueActions, actor_for
from tests.conftest import BASE_CONFIG
from tests.doubles import KeywordClassifier, RecordingNotifier


def _config(make_config: Any, db_url: str) -> Any:
    route = copy.deepcopy(BASE_CONFIG["route"])
    route["group_by"], route["group_wait"] = ["group"], "5m"  # every alert waits five minutes for its group's posts
    return make_config(db=db_url, route=route)


def test_an_item_marked_red_while_its_alerts_wait_is_sent_as_red(make_config: Any, db_url: str,
                                                                   clock: FrozenClock) -> None:
    rec = RecordingNotifier()
    c = build(_config(make_config, db_url), clock=clock, classifier=KeywordClassifier(), notifiers={"log": rec})
    c.start()
    c.store.add_new_mentions("t", "x", [
        Mention(source="x", external_id="1", url="https://x.com/a/status/1", created_at=clock.now(),
                author_handle="bo", author_reach=500, text="SET SEG denied my claim again, terrible service"),
        Mention(source="x", external_id="2", url="https://x.com/b/status/2", created_at=clock.now(),
                author_handle="cy", author_reach=50, text="Love SET SEG, great support today")], None, now=clock.now())
    c.pipeline.run_once()
    assert rec.sent == []  # both wait for their groups
    items = {i.mention_id: i for i, *_ in c.store.queue_items()}
    assert len(items) == 2
    anna = actor_for(c.cfg, email="anna@setseg.example")
    assert anna is not None
    for item in items.values():
        QueueActions(c.store, c.cfg).override_light(item.id or 0, anna, light="red", reason="names a claimant",
                                                     now=clock.now())
    clock.advance(timedelta(minutes=6))
    c.pipeline.run_once()
    alerts = [m for m in rec.sent if m.kind in ("alert", "update")]
    broad = [m for m in alerts if m.receiver in ("marketing-sales", "kudos")]
    assert [m.receiver for m in broad] == ["marketing-sales"], [(m.receiver, m.payload.get("light")) for m in broad]
    shown = broad[0].payload
    assert shown["light"] == "red" and shown["text"] is None and shown["text_withheld"] is True
    assert shown["reasons"] == [] and shown["url"] == "" and shown["author"] is None and shown["link_withheld"]
    assert "terrible" not in str(shown) and shown.get("author") != "bo"
    # nothing waits any more: the kudos message was cancelled, not left to go out later
    assert not [n for n in c.store.notifications() if n.status == "pending" and n.receiver == "kudos"]
    c.store.engine.dispose()
