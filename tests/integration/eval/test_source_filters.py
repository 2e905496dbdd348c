"""``scout eval replay`` applies each platform's configured source filters to the stream's lines,
as the live intake does (judge V, 2026-12-06: the stream stands for every source at once, and a
new organisation could not see what its ``exclude_terms`` would keep out)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]


def _line(i: int, source: str, text: str) -> str:
    return json.dumps({"source": source, "external_id": f"f{i}", "url": f"https://example.org/{source}/f{i}",
                       "text": text, "author_handle": f"u{i}", "author_reach": 300,
                       "created_at": f"2026-12-01T15:0{i}:00Z"})


def test_a_platforms_filters_keep_off_topic_posts_out(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    x = next(s for s in data["sources"] if s["type"] == "x")
    x["filters"]["exclude_terms"] = ["sea eagle", "birdwatching"]
    config = tmp_path / "filters.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stream = tmp_path / "stream.jsonl"
    stream.write_text("\n".join([
        _line(1, "x", "SET SEG denied my claim again and nobody calls back"),
        _line(2, "x", "birdwatching trip: a set seg of sea eagles is terrible to photograph"),
        # the filters are the x source's: the same words on mastodon are kept
        _line(3, "mastodon", "birdwatching with SET SEG colleagues was terrible, rain all day"),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    res = CliRunner().invoke(app, ["eval", "replay", str(stream), "-c", str(config), "--json", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    by_id = {m["external_id"]: m for m in report["mentions"]}
    assert by_id["f2"]["error"] == "not stored (filtered or dropped)"
    assert "error" not in by_id["f1"] and "error" not in by_id["f3"]
    assert not any("f2" in a["external_ids"] for a in report["alerts"])
    assert "mentions: 3 (2 stored)" in res.output
