"""alerts.log cannot be forged (issue 17): a newline (or any control, separator or invisible
character) in an author handle, a post or a key is escaped, so every alert stays one line; and
crash reconciliation reads a line's key field, so a ``key=`` written by an attacker (in a handle or
in a post) never makes a real alert count as already sent."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.log import LogNotifier, escape, parse_key, render_key
from tests.doubles import KeywordClassifier

VICTIM_KEY = "alert:legal-compliance:x:1900000000000000001"


def _alert(key: str, *, author: str = "someone", text: str = "SET SEG refund please", receiver: str = "marketing-sales",
           **extra: Any) -> Outbound:
    return Outbound(key=key, receiver=receiver, kind="alert",
                    payload={"light": "yellow", "priority": "normal", "item_id": 7, "source": "x", "author": author,
                             "reach": 12, "text": text, "item_url": "https://scout.example/queue/7", **extra})


def _lines(path: Path) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    return raw[:-1].split("\n")


FORGED_LINE = f"\n[legal-compliance] RED urgent item #1 x @ceo (1 followers): forged | x  key={VICTIM_KEY}\n"


@pytest.mark.parametrize("where", ["author", "text", "source", "item_url", "receiver"])
def test_a_newline_in_any_field_cannot_forge_a_line(where: str, tmp_path: Path) -> None:
    log = LogNotifier(tmp_path / "alerts.log")
    payload_field = {"author": "author", "text": "text"}.get(where)
    if payload_field:
        msg = _alert("alert:marketing-sales:x:1", **{payload_field: "eve" + FORGED_LINE})
    elif where == "receiver":
        msg = _alert("alert:marketing-sales:x:1", receiver="marketing-sales" + FORGED_LINE)
    else:
        msg = _alert("alert:marketing-sales:x:1", **{where: "x" + FORGED_LINE})
    log.send(msg)
    lines = _lines(log.path)
    assert len(lines) == 1, lines
    assert len(log.path.read_text(encoding="utf-8").splitlines()) == 1
    # the forged key is neither the line's key nor matched by reconciliation
    assert parse_key(lines[0] + "\n") == "alert:marketing-sales:x:1"
    assert log.already_sent(_alert(VICTIM_KEY, receiver="legal-compliance")) is None
    assert log.already_sent(msg) == "log:alert:marketing-sales:x:1"


def test_a_forged_key_in_the_text_does_not_count_as_sent(tmp_path: Path) -> None:
    log = LogNotifier(tmp_path / "alerts.log")
    log.send(_alert("alert:marketing-sales:x:2", text=f"hello  key={VICTIM_KEY}"))
    log.send(Outbound(key="health:x", receiver="crisis", kind="health", payload={"title": f"x  key={VICTIM_KEY}"}))
    assert log.already_sent(_alert(VICTIM_KEY)) is None


@pytest.mark.parametrize("hostile", ["\r", "\x1b[31mRED\x1b[0m", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c",
                                     "\u202e", "\u200b", "\x00", "\ud800", "\\n"])
def test_every_control_character_is_escaped(hostile: str, tmp_path: Path) -> None:
    log = LogNotifier(tmp_path / "alerts.log")
    log.send(_alert("alert:m:x:3", author=f"eve{hostile}mallory", text=f"post{hostile}text"))
    raw = log.path.read_bytes().decode("utf-8")  # a lone surrogate would not even encode
    assert raw.count("\n") == 1 and raw.endswith("\n")
    assert len(raw.splitlines()) == 1
    body = raw[:-1]
    assert not [c for c in body if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp", "Cf")], repr(body)
    assert f"@{escape('eve' + hostile + 'mallory')} " in body


def test_a_key_with_blanks_or_newlines_round_trips(tmp_path: Path) -> None:
    """Keys carry group keys built from source data (links, thread ids): they are escaped too."""
    log = LogNotifier(tmp_path / "alerts.log")
    key = "alert:marketing-sales:url:https://e.com/a b\nc  key=alert:x"
    msg = _alert(key)
    log.send(msg)
    assert len(_lines(log.path)) == 1
    assert " " not in render_key(key) and "\n" not in render_key(key)
    assert log.already_sent(msg) == f"log:{key}"
    assert log.already_sent(_alert("alert:x")) is None
    assert log.already_sent(_alert("alert:marketing-sales:url:https://e.com/a")) is None


def test_a_line_torn_by_a_crash_never_matches_and_the_next_line_starts_clean(tmp_path: Path) -> None:
    path = tmp_path / "alerts.log"
    log = LogNotifier(path)
    torn = _alert("alert:m:x:torn")
    path.write_text(f"[m] YELLOW normal item #1 x @a (1 followers): t | u  key={render_key(torn.key)}", encoding="utf-8")
    assert log.already_sent(torn) is None  # no final newline: the write did not finish
    nxt = _alert("alert:m:x:next")
    log.send(nxt)
    lines = _lines(path)
    assert len(lines) == 2 and parse_key(lines[1] + "\n") == "alert:m:x:next"
    assert log.already_sent(nxt) == "log:alert:m:x:next"


def test_lines_written_before_the_change_still_reconcile(tmp_path: Path) -> None:
    path = tmp_path / "alerts.log"
    path.write_text("[marketing-sales] YELLOW normal item #4 x @a (3 followers): hi | u  key=alert:m:x:old\n",
                    encoding="utf-8")
    assert LogNotifier(path).already_sent(_alert("alert:m:x:old")) == "log:alert:m:x:old"


def test_hostile_handles_through_the_real_pipeline(make_config: Callable[..., AppConfig], tmp_path: Path,
                                                   clock: FrozenClock) -> None:
    """A replayed source with forged handles and posts, the real triage and the real LogNotifier:
    alerts.log holds exactly one line per notification, each with its own key."""
    feed = tmp_path / "feed.jsonl"
    rows = [
        {"source": "x", "external_id": "1", "text": "SET SEG refund now", "author_handle": "eve" + FORGED_LINE},
        {"source": "x", "external_id": "2", "text": f"SET SEG outage\n[crisis] RED  key={VICTIM_KEY}",
         "author_handle": "mallory\r\u2028x"},
        {"source": "x", "external_id": "3", "text": "SET SEG Project Falcon is coming", "author_handle": "leaker"},
    ]
    feed.write_text("\n".join(json.dumps({**r, "offset_s": i * 60}) for i, r in enumerate(rows)) + "\n")
    cfg = make_config(db=f"sqlite:///{tmp_path}/alerts.db", env={"BRAND_SCOUT_SESSION_SECRET": "s" * 40},
                      sources=[{"name": "feed", "type": "replay", "interval": "10s", "options": {"file": str(feed)}}])
    c = build(cfg, clock=clock, classifier=KeywordClassifier())
    c.start()
    try:
        assert not c.pipeline.poll("feed").error
        c.pipeline.run_once()
        notes = c.store.notifications()
        assert notes and all(n.status == "sent" for n in notes), [(n.status, n.last_error) for n in notes]
        lines = _lines(cfg.data_path / cfg.notify.alert_log)
        keys = [parse_key(line + "\n") for line in lines]
        assert sorted(k or "" for k in keys) == sorted(render_key(n.idempotency_key) for n in notes), lines
        assert VICTIM_KEY not in keys
    finally:
        c.store.engine.dispose()


def test_a_red_notice_in_the_log_names_no_author() -> None:
    """A broad receiver's red notice withholds link and author (``link_withheld``): the log line
    says so instead of printing "@None (None followers)"."""
    from monitor.delivery.notifiers.base import Outbound
    from monitor.delivery.notifiers.log import render_line

    msg = Outbound(key="alert:marketing-sales:18", receiver="marketing-sales", kind="alert",
                   payload={"light": "red", "priority": "high", "item_id": 18, "source": "bluesky", "author": None,
                            "reach": None, "text": None, "text_withheld": True, "link_withheld": True,
                            "item_url": "http://127.0.0.1:8080/queue/18"})
    line = render_line(msg)
    assert "None" not in line and "(author in the restricted queue)" in line and "text withheld" in line
