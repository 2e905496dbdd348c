"""The replay connector (``connectors/replay.py``): releases a JSONL file's mentions at their
offsets, scaled by ``speed``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import FetchContext
from connectors.replay import ReplayConnector, ReplayOptions

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _file(tmp_path: Path) -> Path:
    rows = [{"source": "x", "external_id": str(i), "offset_s": 60 * i, "text": f"SET SEG post {i}",
             "author_handle": "a", "author_reach": 10} for i in range(3)]
    path = tmp_path / "stream.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_end_of_the_file_is_news_not_a_warning(tmp_path: Path) -> None:
    conn = ReplayConnector("replay", ReplayOptions(file=str(_file(tmp_path)), speed=60.0))
    first = conn.fetch(None, FetchContext(now=T0))
    assert [m.external_id for m in first.mentions] == ["0"] and first.info == () and first.notes == ()
    last = conn.fetch(first.cursor, FetchContext(now=T0 + timedelta(seconds=5)))
    assert [m.external_id for m in last.mentions] == ["1", "2"]
    assert last.notes == ()  # nothing a person must act on
    assert last.info == ("replay finished: all 3 mentions of the file have been released",)
    after = conn.fetch(last.cursor, FetchContext(now=T0 + timedelta(seconds=10)))
    assert after.mentions == [] and after.info == ()


def test_a_mention_keeps_its_time_in_utc() -> None:
    """A platform time with an offset is the same moment in UTC on the record (the store keeps UTC)."""
    from datetime import timezone

    from connectors.base import Mention

    t = datetime(2026, 12, 10, 16, 40, tzinfo=timezone(timedelta(hours=-8)))
    m = Mention(source="x", external_id="1", url="", text="hi", created_at=t)
    assert m.created_at.tzinfo is UTC and m.created_at == t
    assert m.created_at == datetime(2026, 12, 11, 0, 40, tzinfo=UTC)
