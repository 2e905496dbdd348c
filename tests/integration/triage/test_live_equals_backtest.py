"""The live triage stage and ``scout rules backtest`` make the same alert decisions (issue 14).

A stream runs through the production stages (``scout eval replay``'s harness, keeping its
database); the backtest then replays what those stages stored. Every (mention, receiver) alert
must be the same in both: one suppression function, one "does this reach people" rule, the same
route ``repeat_interval`` and inhibition matchers, and a spike detector that runs at the
scheduler's interval over what was stored by then (the outage stream's spike holds back the same
routine alerts in both).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.app.eval_actions import ActionLine
from monitor.app.evaluation import eval_config, parse_stream, replay
from monitor.cli.rules import _reopening, _stored_rows
from monitor.cli.rules import replay as backtest
from monitor.config import load_config
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]
# override_lifecycle: its overrides change what alerts later (an override down makes a red member
# news again); the backtest replays no queue actions, so there the two differ by design
STREAMS = sorted(p for p in (ROOT / "tests" / "integration" / "eval" / "streams").glob("*.jsonl")
                 if p.stem != "override_lifecycle")


@pytest.mark.parametrize("stream", [*STREAMS, ROOT / "monitor" / "sample" / "mentions.jsonl"], ids=lambda p: p.stem)
def test_the_backtest_alerts_exactly_what_the_live_stage_alerted(stream: Path, tmp_path: Path) -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    actions: list[ActionLine] = []  # what people did (an override) happens in the live run only
    lines = parse_stream(stream.read_text(encoding="utf-8"), actions=actions)
    report = replay(cfg, lines, classifier=KeywordClassifier(), folder=tmp_path, actions=actions)
    live = sorted((m["source"], m["external_id"], r) for m in report.mentions for r in m.get("alerted", []))

    ecfg = eval_config(cfg, tmp_path)
    first, last = lines[0].observed_at, max(s.observed_at for s in lines)
    rows = _stored_rows(ecfg, first - timedelta(days=1))
    # the spike job ticks where the replay's scheduler ticked (from the first observation)
    days = backtest(ecfg, rows, since=first - timedelta(minutes=1), until=last + timedelta(hours=3), ticks_from=first,
                    reopening=_reopening(ecfg, first - timedelta(days=1)))
    replayed = sorted(x for tally in days.values() for x in tally.sent)

    assert live, "the stream must alert someone, or the comparison proves nothing"
    assert replayed == live
