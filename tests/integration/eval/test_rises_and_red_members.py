"""What people receive when a group gets worse (issue "judgement", judges M and N of 2026-12-05):
a rise in priority or light is a new message in the channel, not a reply in the group's thread;
each new red post by another account reaches Legal as an item of its own (the thread stays with
whoever answers it); kudos hears nothing of it; a red item's close reason stays with the
restricted receivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, create_engine, select

from monitor.app.evaluation import parse_stream, replay
from monitor.config import AppConfig, load_config
from monitor.delivery.notifiers._content import REASON_WITHHELD
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.log import render_line
from monitor.delivery.slack_blocks import render_alert
from monitor.storage.models import Notification
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]
STREAM = Path(__file__).parent / "streams" / "rises_and_red_members.jsonl"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], list[Notification]]:
    cfg: AppConfig = load_config(ROOT / "config" / "example.yaml", env={})
    folder = tmp_path_factory.mktemp("rises")
    actions: list[Any] = []
    lines = parse_stream(STREAM.read_text(encoding="utf-8"), actions=actions)
    rep = replay(cfg, lines, classifier=KeywordClassifier(), actions=actions, folder=folder)
    assert rep.score["light_accuracy"] == 1.0 and rep.score["red_text_to_broad_receivers"] == 0
    assert rep.score["action_agreement"] == 1.0
    with Session(create_engine(f"sqlite:///{folder}/eval.db")) as s:
        rows = list(s.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]
    return {m["external_id"]: m for m in rep.mentions}, rows


def _alerts(rows: list[Notification], receiver: str, ext: str) -> list[Notification]:
    return [n for n in rows if n.receiver == receiver and n.channel is None and n.kind in ("alert", "update")
            and n.payload.get("external_id") == ext]


def test_a_member_that_makes_the_item_urgent_is_a_new_alert_saying_so(outcome: Any) -> None:
    """r2, a 250k-follower journalist replying in r1's thread: the item goes from high to urgent;
    Marketing & Sales get a new message (pinging the channel), headed with the rise."""
    mentions, rows = outcome
    assert mentions["r2"]["item_id"] == mentions["r1"]["item_id"] and mentions["r2"]["priority"] == "urgent"
    [msg] = _alerts(rows, "marketing-sales", "r2")
    assert msg.kind == "alert" and msg.payload["rose_from"] == {"priority": "high"}
    _, blocks = render_alert(msg.payload)
    assert "now urgent (was high)" in str(blocks[0])
    line = render_line(Outbound(key=msg.idempotency_key, receiver=msg.receiver, kind=msg.kind, payload=msg.payload))
    assert "(now urgent (was high))" in line


def test_each_new_red_post_is_an_alert_to_legal(outcome: Any) -> None:
    """r3 and r4, disclosures by other accounts in r1's thread, are red items of their own: each an
    alert to Legal with its text, each a notice without text to Marketing & Sales, who keep r1's
    complaint (yellow, with r2) to answer (judges E and H, 2026-12-06)."""
    mentions, rows = outcome
    [first] = _alerts(rows, "legal-compliance", "r3")
    [second] = _alerts(rows, "legal-compliance", "r4")
    assert first.kind == "alert" and second.kind == "alert"
    assert second.payload["text"].startswith("@user_r1 And Medivance TPA")
    assert mentions["r4"]["alerted"] == ["legal-compliance", "marketing-sales"]
    assert len({mentions[x]["item_id"] for x in ("r1", "r3", "r4")}) == 3
    assert mentions["r1"]["light"] == "yellow" and mentions["r2"]["item_id"] == mentions["r1"]["item_id"]
    [notice] = _alerts(rows, "marketing-sales", "r3")
    assert notice.kind == "alert" and notice.payload.get("text") is None
    assert not [n for n in rows if n.queue_item_id == mentions["r1"]["item_id"] and n.receiver == "legal-compliance"]


def test_kudos_hears_nothing_of_a_red_reply(outcome: Any) -> None:
    """k1, a compliment, went to kudos; k2 (a watch-list term) in its thread is a red item of its
    own, of which kudos hears nothing; k3, another compliment in the thread, is kudos's news in
    the compliment's group update."""
    mentions, rows = outcome
    assert mentions["k1"]["alerted"] == ["kudos"] and mentions["k3"]["alerted"] == []
    assert mentions["k2"]["item_id"] != mentions["k1"]["item_id"]
    assert {h["receiver"]: h["kind"] for h in mentions["k3"]["held"]} == {"kudos": "repeat"}
    kudos = [n for n in rows if n.receiver == "kudos" and n.channel is None]
    assert {n.queue_item_id for n in kudos} == {mentions["k1"]["item_id"]}
    assert all("SEG Shield" not in str(n.payload) for n in kudos)


def test_a_red_items_close_reason_stays_with_the_restricted_receivers(outcome: Any) -> None:
    mentions, rows = outcome
    item = mentions["k2"]["item_id"]
    states = {n.receiver: n for n in rows if n.kind == "state" and n.queue_item_id == item and n.channel is None}
    assert set(states) == {"legal-compliance", "marketing-sales"}
    assert states["legal-compliance"].payload["close_reason"] == "leak confirmed: SEG Shield Plus launch date"
    assert states["marketing-sales"].payload["close_reason"] == REASON_WITHHELD


def test_a_windows_update_shows_its_newest_member_and_names_the_others(tmp_path: Path) -> None:
    """Members that bring no news are shown once per group_interval window (README): the update
    shows the newest of them, not the first, and names the earlier ones (judge N, 2026-12-05)."""
    import json

    def post(ext: str, minute: int, text: str, parent: str | None = None) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": f"u_{ext}",
                           "author_reach": 300, "created_at": f"2026-12-02T16:{minute:02d}:00Z",
                           "kind": "reply" if parent else "post", "parent_id": parent,
                           "thread_id": "w1" if parent else None})

    stream = "\n".join([
        post("w1", 0, "SET SEG denied my claim again, terrible."),
        post("w2", 6, "@u_w1 SET SEG denied mine too, terrible.", "w1"),
        post("w3", 7, "@u_w1 same here, denied twice, terrible.", "w1"),
    ])
    cfg: AppConfig = load_config(ROOT / "config" / "example.yaml", env={})
    rep = replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), folder=tmp_path)
    updates = [a for a in rep.alerts if a["kind"] == "update" and a["receiver"] == "marketing-sales"]
    assert len(updates) == 1, rep.alerts
    assert updates[0]["external_ids"][0] == "w3" and "w2" in updates[0]["external_ids"]
    # ... and shows the earlier ones too, a line each (judge H: a member named by id only was never seen)
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        [msg] = [n for n in s.exec(select(Notification)) if n.kind == "update" and n.receiver == "marketing-sales"]
    _, blocks = render_alert(msg.payload, kind="update")
    earlier = next(b for b in blocks if str(b.get("block_id", "")).startswith("bs_earlier"))
    assert "@u_w2 (300 followers): @u_w1 SET SEG denied mine too, terrible." in earlier["elements"][0]["text"]
    line = render_line(Outbound(key=msg.idempotency_key, receiver=msg.receiver, kind=msg.kind, payload=msg.payload))
    assert "[also new: @u_w2: @u_w1 SET SEG denied mine too, terrible.]" in line
