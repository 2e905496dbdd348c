"""``scout eval replay`` on an afternoon of plain complaints that nobody acknowledges (P3).

Eight complaints on Monday 2026-11-30 between 13:00 and 16:30 in Austin, each its own high-priority
item (4 business hours), none acknowledged: every item climbs the ladder on Tuesday, with a
reminder and the lead's step per item (to Marketing & Sales; the items are 25 minutes apart, so
each 15-minute window gathers one) and the crisis step. The crisis channel gets ONE backlog message
for all eight, rewritten in place as items join; an edit notifies nobody, so 4 h after that
message a "Backlog grew" note names the seven that joined since (2 crisis messages, not 8).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from monitor.app.evaluation import parse_stream, replay
from monitor.cli import app
from monitor.config import load_config
from monitor.storage.db import make_engine

ROOT = Path(__file__).resolve().parents[3]
STREAM = Path(__file__).parent / "streams" / "crisis_backlog.jsonl"
EXAMPLE = ROOT / "config" / "example.yaml"
TAIL = timedelta(hours=24)  # from the last complaint (Monday 16:30) to Tuesday 16:30 in Austin


def test_an_unacknowledged_afternoon_is_one_crisis_alert(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "replay", str(STREAM), "--config", str(EXAMPLE), "--json", str(out),
                                      "--tail-minutes", str(int(TAIL.total_seconds() // 60))])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    mentions = report["mentions"]
    assert not [m for m in mentions if "error" in m]
    assert len(mentions) == 8 and len({m["item_id"] for m in mentions}) == 8
    assert all(m["light"] == "yellow" and m["status"] in ("new", "assigned") for m in mentions)  # nobody acknowledged
    counts = report["score"]["alerts_per_receiver_and_kind"]
    # each item: a reminder and the lead's step; the crisis step: one message for all eight, one news
    assert counts == {"crisis/ladder": 2, "marketing-sales/ladder": 16, "marketing-sales/mention": 8}
    crisis, news = [a for a in report["alerts"] if a["receiver"] == "crisis"]
    assert news["summary"].startswith("7 items joined the open backlog")
    assert "2026-12-01T22:02" <= news["at"] < "2026-12-01T22:05"  # 4 h after the backlog's message
    first = min(mentions, key=lambda m: m["line"])
    assert crisis["kind"] == "ladder" and crisis["item_id"] == first["item_id"]
    assert crisis["summary"].startswith("1 item reached the top of the escalation ladder")
    assert "2026-12-01T18:00" <= crisis["at"] < "2026-12-01T18:10"  # b1's target (Tue 08:02 Austin) + 4 h


def test_the_one_crisis_message_is_rewritten_as_each_item_joins(tmp_path: Path) -> None:
    """The same replay, its database kept: the later seven items rewrite the first message in place
    (``updates``), which the report does not count as alerts; the last rewrite lists all eight."""
    cfg = load_config(EXAMPLE, env={})
    report = replay(cfg, parse_stream(STREAM.read_text(encoding="utf-8")), tail=TAIL, folder=tmp_path)
    assert report.score["alerts_per_receiver_and_kind"]["crisis/ladder"] == 2  # the backlog, and its news
    engine = make_engine(f"sqlite:///{tmp_path / 'eval.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT idempotency_key, payload, status FROM notification WHERE receiver = 'crisis' "
                "AND kind = 'escalation' AND channel IS NULL AND idempotency_key LIKE 'backlog:%' ORDER BY id").all()
    finally:
        engine.dispose()
    keys = [k for k, _, _ in rows]
    assert keys[0] == "backlog:crisis:1" and len(keys) == 8
    payloads = [json.loads(p) if isinstance(p, str) else p for _, p, _ in rows]
    assert all(p["updates"] == "backlog:crisis:1" for p in payloads[1:])
    assert [p["item_count"] for p in payloads] == list(range(1, 9))
    assert payloads[-1]["title"] == "Backlog: 8 items not acknowledged 4h after their response target"
    assert all(status == "sent" for _, _, status in rows)
    lines = payloads[-1]["summary"].splitlines()
    assert len(lines) == 9 and lines[1].startswith(f"• #{payloads[-1]['items'][0]['item_id']} yellow, high, due ")
    # the crisis channel is broad: no text or author of any item
    texts = [json.loads(x)["text"] for x in STREAM.read_text(encoding="utf-8").splitlines()]
    assert not any(t[:30] in json.dumps(p) for t in texts for p in payloads)
    assert "parent" not in json.dumps(payloads)
