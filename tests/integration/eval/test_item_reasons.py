"""An item's reasons say whose figures its priority comes from (judge U, 2026-12-06: a neutral
question's item read "sentiment neutral (0.96)" and "priority high: ... + sentiment 15.0": the
priority was a later complaint's in the same thread)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, create_engine, select

from monitor.app.evaluation import parse_stream, replay
from monitor.config import load_config
from monitor.storage.models import QueueItem
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]


def test_a_priority_raised_by_a_later_post_says_so(tmp_path: Path) -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})

    def post(ext: str, at: str, text: str, reach: int, parent: str | None = None) -> str:
        return json.dumps({"source": "reddit", "external_id": ext, "text": text, "author_handle": f"u_{ext}",
                           "author_reach": reach, "created_at": f"2026-12-02T{at}Z", "thread_id": "q1",
                           "kind": "comment" if parent else "post", "parent_id": parent})

    stream = "\n".join([post("q1", "16:00:00", "How do I file a claim with SET SEG for a sprained wrist?", 40),
                        post("q2", "16:20:00", "SET SEG denied mine, terrible and angry", 9000, "q1")])
    replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), folder=tmp_path)
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        item = s.exec(select(QueueItem)).one()
    lines = [r for r in item.reasons if r.startswith("priority ")]
    assert len(lines) == 1 and "sentiment 15.0" in lines[0], item.reasons
    assert lines[0].endswith("(from a later post in this group, by @u_q2)")
    assert "sentiment neutral (0.80)" in item.reasons  # the item's own post, as the page shows it
