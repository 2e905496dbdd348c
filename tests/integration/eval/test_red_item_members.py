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
    # m3 and m4 came within one group_interval: one update shows the newest and names the other
    assert green.payload["external_id"] == "m4" and green.payload["text"] == "@leaker and here is page two of it"
    assert ["x", "m3"] in green.payload["batched_members"]
    held = {e: [h for h in mentions[e]["held"] if h["receiver"] == "legal-compliance"] for e in ("m2", "m3", "m4")}
    for ext in ("m2", "m3"):
        assert [h["kind"] for h in held[ext]] == ["repeat"] and "red item" in held[ext][0]["reason"]
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
