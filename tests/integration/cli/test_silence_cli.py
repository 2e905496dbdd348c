"""``scout silence add | list | expire``: amtool-style matchers checked on the way in, a time box,
author and comment required, every silence made or expired in the audit log, and a silence made
here muting the matching alerts of the live pipeline (per receiver)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.app.bootstrap import build
from monitor.cli import app
from monitor.clock import FrozenClock, utc
from monitor.config import load_config
from monitor.queue import silences as sil
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.integration.cli.conftest import store_of as _store


def run(config_file: Path, *args: str) -> tuple[int, str]:
    r = CliRunner(env={"USER": None}).invoke(app, ["silence", *args, "-c", str(config_file)])
    assert r.stderr.startswith("database: ") or r.exit_code == 2, r.output  # it names the database it opened
    return r.exit_code, "".join(x for x in r.output.splitlines(keepends=True) if not x.startswith("database: "))


def test_add_list_expire_with_audit(config_file: Path) -> None:
    before = datetime.now(UTC)
    code, out = run(config_file, "add", "light=yellow", 'source=~"x|reddit"', "--duration", "2h",
                    "--author", "anna@setseg.example", "--comment", "X outage flood")
    assert code == 0, out
    assert out.startswith("silence 1: ") and 'light="yellow" source=~"x|reddit"' in out
    end = (before + timedelta(days=3)).replace(microsecond=0)
    code, out = run(config_file, "add", "receiver=marketing-sales", "--end",
                    end.astimezone(timezone(timedelta(hours=1))).isoformat(), "--author", "ben", "--comment", "long one")
    assert code == 0 and f"until {end.isoformat()}" in out, out

    code, out = run(config_file, "list", "--json")
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["id"] for r in rows] == [2, 1] and {r["state"] for r in rows} == {"active"}
    first = rows[1]
    assert first["matchers"] == ['light="yellow"', 'source=~"x|reddit"']
    assert first["author"] == "anna@setseg.example" and first["comment"] == "X outage flood"
    span = datetime.fromisoformat(first["ends_at"]) - datetime.fromisoformat(first["starts_at"])
    assert span == timedelta(hours=2) and datetime.fromisoformat(first["starts_at"]) >= before - timedelta(seconds=1)
    code, out = run(config_file, "list")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["ID", "STATE", "MATCHERS"] and "X outage flood" in out

    code, out = run(config_file, "expire", "1", "--actor", "anna@setseg.example")
    assert code == 0 and "expired silence 1" in out
    code, out = run(config_file, "expire", "1", "99")
    assert code == 1 and "silence 1 has ended already" in out and "no silence 99" in out
    code, out = run(config_file, "list", "--json")
    assert [json.loads(line)["id"] for line in out.strip().splitlines()] == [2]
    code, out = run(config_file, "list", "--all", "--json")
    states = {json.loads(line)["id"]: json.loads(line)["state"] for line in out.strip().splitlines()}
    assert states == {1: "expired", 2: "active"}

    events = _store(config_file).audit_events("silence")
    assert [(e.action, e.object_id, e.actor) for e in events] == [
        ("silence.create", "1", "anna@setseg.example"), ("silence.create", "2", "ben"),
        ("silence.expire", "1", "anna@setseg.example")]
    assert events[0].details["matchers"] == ['light="yellow"', 'source=~"x|reddit"']
    assert events[0].details["reason"] == "X outage flood"


@pytest.mark.parametrize(("args", "message"), [
    (["light=red", "--duration", "1h", "--author", "a"], "Missing option '--comment'"),
    (["light=red", "--duration", "1h", "--comment", "c"], "Missing option '--author'"),
    (["light=red", "--duration", "1h", "--author", " ", "--comment", "c"], "say who is silencing"),
    (["light=red", "--duration", "1h", "--author", "a", "--comment", " "], "say why"),
    (["--duration", "1h", "--author", "a", "--comment", "c"], "Missing argument"),
    (["colour=red", "--author", "a", "--comment", "c"], "no alert has the label 'colour'"),
    (["light==red", "--author", "a", "--comment", "c"], "cannot parse matcher"),
    (['topic=~"(unclosed"', "--author", "a", "--comment", "c"], "bad regular expression"),
    (["light=red", "--duration", "soon", "--author", "a", "--comment", "c"], "duration:"),
    (["light=red", "--duration", "1h", "--end", "2099-01-01", "--author", "a", "--comment", "c"], "not both"),
    (["light=red", "--end", "2020-01-01T00:00", "--author", "a", "--comment", "c"], "passed already"),
    (["light=red", "--end", "tomorrow", "--author", "a", "--comment", "c"], "is not a time"),
    (["light=red", "--duration", "100d", "--author", "a", "--comment", "c"], "at most 90 days"),
    # a value the label never takes would mute nothing (judge F, 2026-12-06)
    (["light=yelow", "--author", "a", "--comment", "c"], "light is never 'yelow' (one of green, yellow, red)"),
    (["source=twitter", "--author", "a", "--comment", "c"], "source is never 'twitter'"),
    (["receiver=marketing", "--author", "a", "--comment", "c"], "receiver is never 'marketing'"),
])
def test_bad_silences_are_refused(config_file: Path, args: list[str], message: str) -> None:
    assert run(config_file, "list") == (0, "no active silences\n")  # the database, migrated
    code, out = run(config_file, "add", *args)
    assert code == 2 and message in out, out
    assert _store(config_file).silences(now=datetime.now(UTC), include_expired=True) == []


def test_every_routing_label_can_be_silenced() -> None:
    """The labels the CLI accepts are exactly the labels alerts carry: the routing labels of
    ``labels_for``, the spike labels, and ``group`` and ``receiver`` added by the triage stage."""
    import inspect
    import re

    from monitor.domain.decide import labels_for
    from monitor.domain.spikes import Spike

    mention = set(re.findall(r'^\s*"(\w+)":', inspect.getsource(labels_for), re.M))
    spike = set(re.findall(r'"(\w+)": ', inspect.getsource(Spike.labels)))
    assert {"source", "light", "topic", "priority"} <= mention and spike == {"kind", "spike_kind", "source", "scope"}
    assert mention | spike | {"group", "receiver"} == set(sil.LABELS)


def test_a_silence_mutes_matching_alerts_per_receiver(config_file: Path) -> None:
    """A red item goes to Legal and to Marketing & Sales; silencing receiver=marketing-sales holds only that one."""
    code, out = run(config_file, "add", "receiver=marketing-sales", "light=red", "--duration", "1h",
                    "--author", "anna", "--comment", "Legal has it")
    assert code == 0, out
    c = build(load_config(str(config_file)), clock=FrozenClock(datetime.now(UTC) + timedelta(minutes=1)),
              classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    try:
        c.pipeline.submit_scout(url="https://example.com/p/1", note="Heard SET SEG is building Project Falcon",
                                category="other", urgency="high", submitted_by="eve")
        c.pipeline.process()
        alerts = c.store.notifications(kind="alert")
        assert {n.receiver for n in alerts} == {"legal-compliance"}
        held = [e for e in c.store.audit_events("queue_item") if e.action == "alert.silenced"]
        assert [e.details["receiver"] for e in held] == ["marketing-sales"]
        assert "by anna: Legal has it" in held[0].details["reason"]
        assert utc(c.store.silences(now=c.clock.now())[0].ends_at) > c.clock.now()
    finally:
        c.store.engine.dispose()
