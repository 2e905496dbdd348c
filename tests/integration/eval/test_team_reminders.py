"""A team's item is reminded where its team works (judge V, 2026-12-06: with a support queue next to
Marketing & Sales, every reminder went to the lead's channel and none to support about its own
items). The example configuration with a ``support`` queue for billing, replayed through
``scout eval replay``: nobody acknowledges a billing complaint, so its reminder goes to support, the
lead's step to the lead's receiver, and the crisis step to the crisis contact."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_a_billing_complaint_is_reminded_in_the_support_channel(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    data["receivers"].append({"name": "support", "description": "Billing support queue", "restricted": False,
                              "queue": True, "broad": True, "slack": {"channel": "#billing-support"}})
    yellow = next(r for r in data["route"]["routes"] if r.get("matchers") == ['light="yellow"'])
    data["route"]["routes"].insert(data["route"]["routes"].index(yellow), {
        "receiver": "support", "matchers": ['light="yellow"', 'topic="billing"']})
    config = tmp_path / "teams.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stream = tmp_path / "stream.jsonl"
    stream.write_text(json.dumps({
        "source": "x", "external_id": "b1", "url": "https://x.com/bursar/status/b1",
        "text": "SET SEG overcharged our district on the November invoice and nobody answers about the refund",
        "author_handle": "bursar", "author_reach": 400, "created_at": "2026-12-01T15:00:00Z"}) + "\n",
        encoding="utf-8")
    out = tmp_path / "report.json"
    res = CliRunner().invoke(app, ["eval", "replay", str(stream), "-c", str(config), "--json", str(out),
                                   "--tail-minutes", "2880"])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["mentions"][0]["receivers"] == ["support"]
    ladder = [(a["receiver"], a["summary"]) for a in report["alerts"] if a["kind"] == "ladder"]
    assert [r for r, _ in ladder] == ["support", "marketing-sales", "crisis"], ladder
    assert "Claim or acknowledge it" in ladder[0][1]  # the reminder, to the team holding the item
    assert "Please see that someone acknowledges it" in ladder[1][1]  # the lead's step
    assert "reached the top of the escalation ladder" in ladder[2][1]
