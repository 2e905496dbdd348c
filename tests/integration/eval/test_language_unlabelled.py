"""Posts whose source gives no language (Reddit, Hacker News, feeds), through ``scout eval
replay`` and ``scout route`` (issue: a language the model does not cover goes to a person).
``streams/language_unlabelled.jsonl``: a Spanish complaint with ``lang: null`` and a German one
without ``lang`` are told from their text: yellow, "needs review", alerted to Marketing & Sales,
the Spanish one assigned to a spokesperson who reads Spanish. An English post and a two-word
Spanish thanks (too short to tell) are read by the model as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]
STREAM = Path(__file__).parent / "streams" / "language_unlabelled.jsonl"
EXAMPLE = str(ROOT / "config" / "example.yaml")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("lang") / "report.json"
    result = CliRunner().invoke(app, ["eval", "replay", str(STREAM), "--config", EXAMPLE, "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    return {m["external_id"]: m for m in data["mentions"]}


def test_an_unlabelled_complaint_in_spanish_goes_to_a_spanish_reader(report: dict[str, dict[str, Any]]) -> None:
    es = report["u1"]
    assert (es["light"], es["alerted"], es["assignee"]) == ("yellow", ["marketing-sales"], "dana.whitfield")
    de = report["u2"]
    assert de["light"] == "yellow" and de["alerted"] == ["marketing-sales"]
    # not read, so no label in the report (judge J, 2026-12-07: it said "neutral")
    assert es["sentiment"] is None and de["sentiment"] is None
    assert report["u3"]["sentiment"] is not None


def test_english_and_too_short_to_tell_are_read_by_the_model(report: dict[str, dict[str, Any]]) -> None:
    assert report["u3"]["light"] == "green" and report["u3"]["alerted"] == []
    assert report["u4"]["light"] == "green"  # "gracias SET SEG": read as before, not sent for review


def test_scout_route_tells_the_language_too() -> None:
    lines = STREAM.read_text(encoding="utf-8").splitlines()
    routed = CliRunner().invoke(app, ["route", "--config", EXAMPLE, "--explain"],
                                input="\n".join(json.dumps({k: v for k, v in json.loads(x).items() if k != "expected"})
                                                for x in lines[:3]) + "\n")
    assert routed.exit_code == 0, routed.output
    out = [json.loads(x) for x in routed.stdout.splitlines() if x.startswith("{")]
    reasons = [" ".join(o["reasons"]) for o in out]
    assert "needs review: language es is not covered by the sentiment model" in reasons[0]
    assert "needs review: language de is not covered by the sentiment model" in reasons[1]
    assert "needs review" not in reasons[2]
