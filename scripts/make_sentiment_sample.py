"""Write tests/unit/sentiment/data/sample.tsv from the project's own sample mentions.

The English mentions of ``monitor/sample/mentions.jsonl`` that carry an expected sentiment
become ``source:external_id<TAB>label<TAB>text`` lines: a small labelled set in the training
format, used by the sentiment tests (tiny training run, eval figures). Run from the repo root:
``python scripts/make_sentiment_sample.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "monitor" / "sample" / "mentions.jsonl"
DST = ROOT / "tests" / "unit" / "sentiment" / "data" / "sample.tsv"


def main() -> None:
    """Write the TSV and print how many lines it has."""
    lines = []
    for raw in SRC.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        row = json.loads(raw)
        label = (row.get("expected") or {}).get("sentiment")
        text = " ".join(str(row.get("text") or "").split())
        if row.get("lang") == "en" and label in ("negative", "neutral", "positive") and text:
            lines.append(f"{row['source']}:{row['external_id']}\t{label}\t{text}\n")
    DST.parent.mkdir(parents=True, exist_ok=True)
    DST.write_text("".join(lines), encoding="utf-8")
    print(f"{len(lines)} lines written to {DST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
