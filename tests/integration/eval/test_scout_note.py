"""A scout forward in a stream carries the scout's own words (`note`); without one, a forward of a
post read from its source has no note (judge T, 2026-12-06: the replay used the post's text as
the note, so every forward's alert showed the post twice, once labelled as the scout's)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, create_engine, select

from monitor.app.evaluation import parse_stream, replay
from monitor.config import load_config
from monitor.storage.models import Notification
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]


def _line(ext: str, at: str, **kw: object) -> str:
    return json.dumps({"source": "x", "external_id": ext, "url": f"https://x.example/{ext}",
                       "text": f"SET SEG denied my claim again ({ext})", "author_handle": f"u_{ext}",
                       "author_reach": 80, "created_at": f"2026-12-01T{at}Z", **kw})


def test_a_forwards_note_is_the_scouts_words_and_none_without_one(tmp_path: Path) -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    stream = "\n".join([
        _line("a", "15:00:00", submitted_by="sam.lee", urgency="high", note="spreading in our staff chat"),
        _line("b", "18:00:00", submitted_by="sam.lee"),
    ])
    replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), folder=tmp_path)
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        sent = {n.payload["external_id"]: n.payload for n in s.exec(select(Notification))
                if n.receiver == "marketing-sales" and n.kind == "alert" and n.channel is None}
    assert sent["a"]["scout"] and sent["a"]["scout_note"] == "spreading in our staff chat"
    assert sent["a"]["text"] == "SET SEG denied my claim again (a)" and not sent["a"]["text_is_scout_note"]
    assert sent["b"]["scout"] and not sent["b"]["scout_note"]
