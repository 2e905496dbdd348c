"""A person settles an item as green: nobody is reminded of it, and praise reaches kudos.

2026-12-06: an item a spokesperson overrode to green (a joke among colleagues, not a complaint)
still sent its reminder and the lead step the next day; praise the model read as a complaint,
marked green and corrected to positive by a spokesperson, reached nobody (kudos never saw it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.app.eval_actions import ActionLine
from monitor.app.evaluation import Report, parse_stream, replay
from monitor.config import AppConfig, load_config
from tests.doubles import KeywordClassifier
from tests.integration.eval.test_eval_replay import EXAMPLE, by_id


@pytest.fixture(scope="module")
def cfg() -> AppConfig:
    return load_config(EXAMPLE, env={})


def _mention(ext: str, at: str, text: str) -> dict[str, Any]:
    return {"source": "x", "external_id": ext, "text": text, "author_handle": f"u{ext}", "author_reach": 300,
            "created_at": at}


def _action(action: str, ext: str, at: str, **kw: str) -> dict[str, Any]:
    return {"action": action, "source": "x", "external_id": ext, "at": at, "by": "dana.whitfield",
            "expected": {"ok": True}, **kw}


def _replay(cfg: AppConfig, rows: list[dict[str, Any]]) -> Report:
    actions: list[ActionLine] = []
    lines = parse_stream("\n".join(json.dumps(r) for r in rows), actions=actions)
    return replay(cfg, lines, classifier=KeywordClassifier(), actions=actions)


def test_an_item_marked_green_is_recorded_and_reminds_nobody(cfg: AppConfig) -> None:
    report = _replay(cfg, [
        _mention("j1", "2026-11-30T15:00:00Z", "SET SEG the portal is down again, worst week"),
        _action("override", "j1", "2026-11-30T15:10:00Z", light="green", reason="a joke among colleagues"),
        _mention("j2", "2026-11-30T16:00:00Z", "SET SEG my refund was denied, terrible"),
        # the next working day and more: the yellow item's ladder runs, the green one's does not
        _mention("z9", "2026-12-02T18:00:00Z", "SET SEG annual report published"),
    ])
    m = by_id(report)
    assert report.actions[0]["ok"] is True and report.actions[0]["status"] == "closed"
    assert m["j1"]["status"] == "closed" and m["j1"]["item_light"] == "green"
    ladder = [a for a in report.alerts if a["kind"] == "ladder"]
    # the items a ladder message names ("#2 yellow, normal, ..."): never the green one
    named = " ".join(a["summary"] for a in ladder)
    assert f"#{m['j2']['item_id']} yellow" in named, ladder
    assert f"#{m['j1']['item_id']} " not in named, ladder
    # a negative post marked green is recorded, not shared: kudos is for praise
    assert not [a for a in report.alerts if a["receiver"] == "kudos"]


def test_praise_read_as_a_complaint_reaches_kudos_once_a_person_says_so(cfg: AppConfig) -> None:
    report = _replay(cfg, [
        _mention("p1", "2026-11-30T15:00:00Z", "SET SEG fixed our broken bleachers the same day we called"),
        _action("override", "p1", "2026-11-30T15:10:00Z", light="green", reason="praise, not a complaint"),
        _action("sentiment", "p1", "2026-11-30T15:11:00Z", label="positive"),
        # a second correction changes nothing more: kudos has it
        _action("sentiment", "p1", "2026-11-30T15:12:00Z", label="neutral"),
        _action("sentiment", "p1", "2026-11-30T15:13:00Z", label="positive"),
    ])
    m = by_id(report)
    assert [a["ok"] for a in report.actions] == [True] * 4
    shared = [a for a in report.alerts if a["receiver"] == "kudos"]
    assert [(a["kind"], a["external_ids"], a["item_id"]) for a in shared] == [("shared", ["p1"], m["p1"]["item_id"])]
    assert "fixed our broken bleachers" in shared[0]["summary"]
    assert report.score["red_text_to_broad_receivers"] == 0


def test_an_override_to_green_of_a_read_compliment_shares_it_at_once(cfg: AppConfig) -> None:
    """A question with praise in it (yellow for the question) that a spokesperson marks green goes
    to kudos with the override: its reading was already positive."""
    report = _replay(cfg, [
        _mention("q1", "2026-11-30T15:00:00Z", "SET SEG thanks for the great webinar! How do I get the slides?"),
        _action("override", "q1", "2026-11-30T15:05:00Z", light="green", reason="answered in the webinar chat"),
    ])
    m = by_id(report)
    assert m["q1"]["light"] == "yellow", m["q1"]
    kudos = [a for a in report.alerts if a["receiver"] == "kudos"]
    assert [(a["kind"], a["at"][:16]) for a in kudos] == [("shared", "2026-11-30T15:05")]


def test_sarcasm_read_as_praise_and_corrected_to_negative_opens_for_marketing_and_sales(cfg: AppConfig) -> None:
    """Judge N (2026-12-06): a sarcastic post the model read as praise went to kudos; Priya corrected
    its sentiment to negative and it stayed closed, green and unassigned, while Marketing & Sales
    got a "GREEN ... shared" message with buttons on a closed item. The light follows the person's
    reading: yellow, open for a spokesperson, and Marketing & Sales are alerted."""
    report = _replay(cfg, [
        _mention("s1", "2026-11-30T15:00:00Z", "Thanks SET SEG, great to wait six weeks for a cheque"),
        _action("sentiment", "s1", "2026-11-30T15:20:00Z", label="negative"),
    ])
    m = by_id(report)
    assert report.actions[0]["ok"] is True
    assert (m["s1"]["item_light"], m["s1"]["status"]) in (("yellow", "new"), ("yellow", "assigned"))
    ms = [a for a in report.alerts if a["receiver"] == "marketing-sales"]
    assert [(a["kind"], a["at"][:16]) for a in ms] == [("shared", "2026-11-30T15:20")], report.alerts
    assert [a["receiver"] for a in report.alerts if a["kind"] == "mention"] == ["kudos"]  # its first reading


def test_a_compliment_marked_yellow_reaches_marketing_and_sales_and_kudos_hears_no_handling(
        cfg: AppConfig, tmp_path: Any) -> None:
    """Judge N (2026-12-06): the union's demand, read as praise and shared with kudos, was marked
    yellow by Dana: Marketing & Sales got nothing, and #kudos got "Assigned to ..." and "Responded
    by ..." for it."""
    from sqlmodel import Session, create_engine, select

    from monitor.storage.models import Notification

    rows = [
        _mention("u1", "2026-11-30T15:00:00Z", "Thanks SET SEG for the great talks, now give us a timeline by 5 pm"),
        _action("override", "u1", "2026-11-30T15:10:00Z", light="yellow", reason="a demand, not praise"),
        _action("claim", "u1", "2026-11-30T15:12:00Z"),
    ]
    actions: list[ActionLine] = []
    lines = parse_stream("\n".join(json.dumps(r) for r in rows), actions=actions)
    report = replay(cfg, lines, classifier=KeywordClassifier(), actions=actions, folder=tmp_path)
    assert [a["ok"] for a in report.actions] == [True, True]
    ms = [a for a in report.alerts if a["receiver"] == "marketing-sales"]
    assert [a["kind"] for a in ms] == ["shared"]
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        kudos_states = [n.payload.get("action") for n in s.exec(select(Notification))
                        if n.receiver == "kudos" and n.kind == "state"]
    assert kudos_states == ["override_light"]  # the light change, not who claimed it


def test_assigning_a_recorded_item_says_why_it_is_closed_and_what_opens_it(cfg: AppConfig) -> None:
    """Judge N (2026-12-06): a lead assigning the union's demand, filed with kudos, got only
    "cannot assign an item that is closed"."""
    report = _replay(cfg, [
        _mention("r1", "2026-11-30T15:00:00Z", "Thanks SET SEG for the great talks"),
        {**_action("assign", "r1", "2026-11-30T15:10:00Z", assignee="marcus.ortega"),
         "by": "helen.brooks", "expected": {"ok": False}},
    ])
    [done] = report.actions
    assert done["ok"] is False
    assert "recorded as needing no answer" in done["error"] and "marks its light yellow" in done["error"]
