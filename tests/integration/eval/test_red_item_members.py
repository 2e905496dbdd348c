"""A post that joins a red item without being red itself (a reply in a leak's thread: "I can
confirm, my district got the deck") reaches Legal in the item's next update, with its text; the
broad receivers learn no more than that the red item has another member (no text, no link);
kudos nothing. Was: such posts reached nobody (Legal heard only of red members). The red post
read again (new engagement figures) is no second alert to Legal (judge T, 2026-12-06: it was)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, create_engine, select

from monitor.app.evaluation import parse_stream, replay
from monitor.config import AppConfig, load_config
from monitor.storage.models import Notification
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]
STREAM = Path(__file__).parent / "streams" / "red_item_members.jsonl"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], list[Notification]]:
    cfg: AppConfig = load_config(ROOT / "config" / "example.yaml", env={})
    folder = tmp_path_factory.mktemp("red-members")
    rep = replay(cfg, parse_stream(STREAM.read_text(encoding="utf-8")), classifier=KeywordClassifier(), folder=folder)
    assert rep.score["light_accuracy"] == 1.0 and rep.score["red_text_to_broad_receivers"] == 0
    with Session(create_engine(f"sqlite:///{folder}/eval.db")) as s:
        rows = list(s.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]
    return {m["external_id"]: m for m in rep.mentions if "reading" not in m}, rows  # not a re-reading's line


def _sent(rows: list[Notification], receiver: str) -> list[Notification]:
    return [n for n in rows if n.receiver == receiver and n.channel is None and n.kind in ("alert", "update")]


def test_every_member_of_the_red_item_reaches_legal_with_its_text(outcome: Any) -> None:
    mentions, rows = outcome
    assert {mentions[e]["item_id"] for e in ("m1", "m2", "m3", "m4")} == {mentions["m1"]["item_id"]}
    legal = _sent(rows, "legal-compliance")
    assert [n.kind for n in legal] == ["alert", "update", "update"]
    first, yellow, green = legal
    assert first.payload["external_id"] == "m1"
    assert yellow.payload["external_id"] == "m2" and yellow.payload["members_update"]
    assert "terrible news" in yellow.payload["text"]
    # the reply quotes the post it answers (the red leak): Legal is cleared for it
    assert yellow.payload["in_reply_to"]["text"].startswith("Heard SET SEG is piloting Project Falcon")
    # m3 and m4 came within one group_interval: one update shows the newest and names the other
    assert green.payload["external_id"] == "m4" and green.payload["text"] == "@leaker and here is page two of it"
    assert ["x", "m3"] in green.payload["batched_members"]
    held = {e: [h for h in mentions[e]["held"] if h["receiver"] == "legal-compliance"] for e in ("m2", "m3", "m4")}
    for ext in ("m2", "m3"):
        assert [h["kind"] for h in held[ext]] == ["repeat"] and "red item" in held[ext][0]["reason"]
    assert held["m2"][0]["reason"].endswith("; shown in the group's update at 10:37 CST")  # the org's time
    assert [h["kind"] for h in held["m4"]] == ["grouped"]  # in m3's update, not yet gone out


def test_broad_receivers_learn_nothing_of_the_members_text_and_kudos_nothing(outcome: Any) -> None:
    mentions, rows = outcome
    for n in _sent(rows, "marketing-sales"):
        assert n.payload["text"] is None and n.payload["url"] == "" and n.payload["author"] is None
    assert _sent(rows, "kudos") == []
    assert all("kudos" not in mentions[e]["alerted"] for e in mentions)


def test_the_red_post_read_again_is_not_a_second_alert(outcome: Any) -> None:
    mentions, rows = outcome
    legal = [n for n in _sent(rows, "legal-compliance") if n.payload["external_id"] == "m1"]
    assert [n.kind for n in legal] == ["alert"]
    assert any(h["receiver"] == "legal-compliance" and h["reason"].startswith("the same post read again")
               for h in mentions["m1"]["held"])


def test_after_an_override_to_red_legal_hears_of_the_items_members(tmp_path: Path) -> None:
    """Judge W (2026-12-06): a spokesperson marked a complaint red; the two replies that joined it
    later reached Marketing & Sales as text-withheld updates and Legal not at all. Legal, told of
    the override, hears of the members as if it had been alerted about a red item."""
    import json

    cfg = load_config(ROOT / "config" / "example.yaml", env={})

    def post(ext: str, at: str, text: str, parent: str | None = None) -> str:
        return json.dumps({"source": "x", "external_id": ext, "url": f"https://x.example/{ext}", "text": text,
                           "author_handle": f"u_{ext}", "author_reach": 150, "created_at": f"2026-12-08T{at}Z",
                           "kind": "reply" if parent else "post", "parent_id": parent, "thread_id": "o1"})

    stream = "\n".join([
        post("o1", "16:40:00", "SET SEG denied my claim again, terrible"),
        json.dumps({"action": "override", "source": "x", "external_id": "o1", "at": "2026-12-08T16:45:00Z",
                    "by": "priya.raman", "light": "red", "reason": "names a member district in the photo"}),
        post("o2", "17:10:00", "@u_o1 same happened to me with SET SEG", "o1"),
        post("o3", "17:30:00", "@u_o1 my claim was denied too, awful", "o1"),
    ])
    actions: list[Any] = []
    lines = parse_stream(stream, actions=actions)
    replay(cfg, lines, classifier=KeywordClassifier(), actions=actions, folder=tmp_path)
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        rows = list(s.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]
    legal = [n for n in _sent(rows, "legal-compliance") if n.kind == "update"]
    assert [n.payload["external_id"] for n in legal] == ["o2", "o3"]
    assert legal[0].payload["text"] == "@u_o1 same happened to me with SET SEG"
    assert all(n.payload["text"] is None for n in _sent(rows, "marketing-sales") if n.kind == "update")
