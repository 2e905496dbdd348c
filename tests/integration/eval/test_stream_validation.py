"""Every value of a labelled stream is checked: a bad one exits 2 naming the line and the key.

``scout eval replay`` and ``scout route`` read the same lines through
:func:`monitor.app.evaluation.parse_stream`; a wrong type or a word outside its vocabulary used to be
taken silently (``urgency: "urgent"`` added 0 points, a string ``links`` grouped by ``"url:h"``,
``expected.alerted: "yes"`` expected nothing). A repeated post (the same ``source`` and
``external_id``) is valid: a new reading of its engagement, observed later than its line before.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from monitor.app import evaluation
from monitor.app.evaluation import StreamError, check_receivers, parse_stream, replay
from monitor.cli import app
from monitor.config import AppConfig, load_config
from tests.doubles import KeywordClassifier
from tests.fixtures.router import BASE

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"


@pytest.fixture(scope="module")
def cfg() -> AppConfig:
    return load_config(EXAMPLE, env={})


def line(**kw: Any) -> str:
    """A valid mention line with ``kw`` on top (a value of ``...`` drops the key)."""
    base: dict[str, Any] = {"source": "x", "external_id": "b1", "text": "SET SEG denied my claim. Awful.",
                            "created_at": "2026-12-02T15:00:00Z"}
    base.update(kw)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


GOOD = line(external_id="ok1")
SCOUT = {"submitted_by": "kim.nguyen"}

#: (id, line 2 of a stream whose line 1 is valid, what the message must say)
BAD: list[tuple[str, str, list[str]]] = [
    ("urgency", line(**SCOUT, urgency="urgent"), ["line 2: urgency: one of low, normal, high, got 'urgent'"]),
    ("urgency-type", line(**SCOUT, urgency=3), ["line 2: urgency: one of low, normal, high, got 3"]),
    ("urgency-without-scout", line(urgency="high"), ["line 2: urgency: only for a scout forward", "submitted_by"]),
    ("category-without-scout", line(category="criticism"), ["line 2: category: only for a scout forward"]),
    ("note-without-scout", line(note="spreading in staff chat"), ["line 2: note: only for a scout forward"]),
    ("category", line(**SCOUT, category="gossip"),
     ["line 2: category: one of compliment, criticism, question, other, got 'gossip'"]),
    ("submitted_by-type", line(submitted_by=7), ["line 2: submitted_by: expected a non-empty string or null"]),
    ("links-string", line(links="https://a.example/x"),
     ["line 2: links: expected a list of URLs (strings) or null, got 'https://a.example/x'"]),
    ("links-item", line(links=["https://a.example/x", 5]), ["line 2: links: expected a list of URLs"]),
    ("kind", line(kind="banana"),
     ["line 2: kind: one of post, comment, reply, repost, quote, story, article, got 'banana'"]),
    ("lang", line(lang=5), ["line 2: lang: expected a non-empty string or null, got 5"]),
    ("thread_id", line(thread_id=12345), ["line 2: thread_id: expected a non-empty string or null, got 12345"]),
    ("parent_id", line(parent_id=12345), ["line 2: parent_id: expected a non-empty string or null, got 12345"]),
    ("refers_to", line(kind="quote", refers_to=["p1"]), ["line 2: refers_to: expected a non-empty string or null"]),
    ("refers_to-empty", line(refers_to=""), ["line 2: refers_to: expected a non-empty string or null, got ''"]),
    ("url", line(url=["https://x.example/1"]), ["line 2: url: expected a string or null"]),
    ("author_handle", line(author_handle=42), ["line 2: author_handle: expected a string or null, got 42"]),
    ("title", line(title={"t": 1}), ["line 2: title: expected a string or null"]),
    ("likes-string", line(likes="12"), ["line 2: likes: expected a count >= 0, got '12'"]),
    ("likes-fraction", line(likes=1.5), ["line 2: likes: expected a count >= 0, got 1.5"]),
    ("reach-negative", line(author_reach=-3), ["line 2: author_reach: expected a count >= 0, got -3"]),
    ("offset-bool", line(created_at=..., offset_s=True), ["line 2: offset_s: expected seconds, got True"]),
    ("offset-and-created", line(offset_s=60), ["line 2: offset_s: give created_at or offset_s, not both"]),
    ("observed-before-created", line(observed_at="2026-12-02T14:00:00Z"),
     ["line 2: observed_at: 2026-12-02T14:00:00+00:00 is before created_at 2026-12-02T15:00:00+00:00"]),
    ("expected-type", line(expected=["yellow"]), ["line 2: expected: must be an object"]),
    ("expected-key", line(expected={"lights": "red"}), ["line 2: unknown key 'expected.lights'", "item_light"]),
    ("expected.alerted-string", line(expected={"alerted": "yes"}),
     ["line 2: expected.alerted: true, false or a list of receiver names, got 'yes'"]),
    ("expected.alerted-items", line(expected={"alerted": [1]}), ["line 2: expected.alerted: expected a list of"]),
    ("expected.receivers-string", line(expected={"receivers": "kudos"}),
     ["line 2: expected.receivers: expected a list of receiver names, got 'kudos'"]),
    ("expected.receivers-unknown", line(expected={"receivers": ["nobody"]}),
     ["line 2: expected.receivers: no receiver 'nobody' in the configuration",
      "crisis, kudos, legal-compliance, marketing-sales"]),
    ("expected.alerted-unknown", line(expected={"alerted": ["marketing-sales", "Kudos"]}),
     ["line 2: expected.alerted: no receiver 'Kudos' in the configuration"]),
    ("expected.light", line(expected={"light": "amber"}),
     ["line 2: expected.light: one of green, yellow, red, got 'amber'"]),
    ("expected.item_light", line(expected={"item_light": "amber"}), ["line 2: expected.item_light: one of green"]),
    ("expected.sentiment", line(expected={"sentiment": "angry"}), ["line 2: expected.sentiment: one of negative"]),
    ("expected.status", line(expected={"status": "done"}),
     ["line 2: expected.status: one of new, assigned, acknowledged, responded, closed, dismissed, got 'done'"]),
    ("expected.credited_to", line(expected={"credited_to": 3}), ["line 2: credited_to: expected a non-empty string"]),
    ("repeat-not-later", line(external_id="ok1", observed_at="2026-12-02T15:02:00Z"),
     ["line 2: observed_at: 2026-12-02T15:02:00+00:00 is not later than line 1's 2026-12-02T15:02:00+00:00",
      "the same post x:ok1"]),
    ("repeat-earlier", line(external_id="ok1", created_at="2026-12-02T14:00:00Z"),
     ["line 2: observed_at:", "is not later than line 1's", "x:ok1"]),
]


@pytest.mark.parametrize(("bad", "messages"), [pytest.param(b, m, id=i) for i, b, m in BAD])
def test_eval_replay_bad_line_exits_2_naming_line_and_key(tmp_path: Path, bad: str, messages: list[str]) -> None:
    stream = tmp_path / "bad.jsonl"
    stream.write_text(GOOD + "\n" + bad + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "replay", str(stream), "-c", str(EXAMPLE)])
    assert result.exit_code == 2, result.output
    for message in messages:
        assert message in result.stderr
    assert "mentions:" not in result.stdout  # nothing scored from a stream that cannot be read whole


@pytest.mark.parametrize(("bad", "messages"), [pytest.param(b, m, id=i) for i, b, m in BAD])
def test_route_reads_lines_through_the_same_checks(bad: str, messages: list[str]) -> None:
    stdin = GOOD + "\n" + bad + "\n"
    result = CliRunner().invoke(app, ["route", "-c", str(EXAMPLE), "--now", "2026-12-02T16:00:00Z"], input=stdin)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for message in messages:
        assert message in result.stderr


def test_the_first_bad_line_is_named(cfg: AppConfig) -> None:
    """A receiver check (against the configuration) names the first such line in the file, though
    the stream is sorted by observation."""
    text = "\n".join([line(external_id="a", observed_at="2026-12-02T16:00:00Z", expected={"alerted": ["x1"]}),
                      line(external_id="b", expected={"receivers": ["x2"]})])
    with pytest.raises(StreamError, match=r"line 1: expected\.alerted: no receiver 'x1'"):
        check_receivers(parse_stream(text), cfg)


def test_vocabularies_are_the_scout_forms_and_the_configs() -> None:
    """The urgencies and categories a stream may give are the scout form's; each urgency has its
    points in the example configuration."""
    from monitor.web import submit

    assert set(evaluation.URGENCIES) == set(submit.URGENCIES)
    assert set(evaluation.CATEGORIES) == set(submit.CATEGORIES)
    assert set(load_config(EXAMPLE, env={}).policy.priority.scout_urgency_weight) == set(evaluation.URGENCIES)


REPEATED = "\n".join([
    line(external_id="p1", author_reach=700, likes=3, observed_at="2026-12-02T15:05:00Z",
         expected={"light": "yellow", "alerted": ["marketing-sales"], "receivers": ["marketing-sales"]}),
    line(external_id="p2", text="Thanks SET SEG, great help today", created_at="2026-12-02T15:10:00Z",
         kind="comment", thread_id="p1", parent_id="p1", lang="en", links=["https://a.example/x"], title=None,
         expected={"alerted": False}),
    line(external_id="s1", created_at="2026-12-02T15:20:00Z", url="https://x.example/s1",
         submitted_by="kim.nguyen", urgency="high", category="criticism", expected={"alerted": True}),
    line(external_id="p1", author_reach=700, likes=900, reposts=300, observed_at="2026-12-02T16:05:00Z"),
]) + "\n"


def test_a_repeated_post_observed_later_is_accepted(cfg: AppConfig) -> None:
    lines = parse_stream(REPEATED)
    assert [(s.line, s.mention.external_id) for s in lines] == [(1, "p1"), (2, "p2"), (3, "s1"), (4, "p1")]
    assert [s.mention.likes for s in lines if s.mention.external_id == "p1"] == [3, 900]
    assert lines[2].urgency == "high" and lines[2].category == "criticism"
    assert lines[1].mention.links == ("https://a.example/x",) and lines[1].mention.kind == "comment"
    check_receivers(lines, cfg)
    report = replay(cfg, lines, classifier=KeywordClassifier(), tail=timedelta(minutes=30))
    assert {m["external_id"] for m in report.mentions} == {"p1", "p2", "s1"}


def test_route_accepts_a_repeated_post_observed_later(tmp_path: Path) -> None:
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["data_dir"] = str(tmp_path)
    data["storage"] = {"url": f"sqlite:///{tmp_path}/scout.db", "url_env": None}
    data["sentiment"] = {"model": "lexicon"}
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    stdin = "".join(json.dumps(json.loads(x) | {"sentiment": {"label": "negative", "score": 0.9}}) + "\n"
                    for x in REPEATED.splitlines())
    result = CliRunner().invoke(app, ["route", "-c", str(config), "--now", "2026-12-02T17:00:00Z"], input=stdin)
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["external_id"] for x in result.stdout.splitlines()] == ["p1", "p2", "s1", "p1"]


def test_route_groups_a_reply_as_triage_does(tmp_path: Path) -> None:
    """``scout route`` builds the router's view with the ``parent_id`` triage stores: a reply that
    names only its parent joins the parent's group; one in a thread joins the thread's."""
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["data_dir"] = str(tmp_path)
    data["storage"] = {"url": f"sqlite:///{tmp_path}/scout.db", "url_env": None}
    data["sentiment"] = {"model": "lexicon"}
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    said = {"sentiment": {"label": "negative", "score": 0.9}}
    stdin = "\n".join([
        line(external_id="p1", **said),
        line(external_id="r1", kind="reply", parent_id="p1", **said),
        line(external_id="r2", kind="comment", parent_id="r1", thread_id="p1", **said),
        line(external_id="r3", kind="post", parent_id="p1", **said),
    ]) + "\n"
    result = CliRunner().invoke(app, ["route", "-c", str(config), "--now", "2026-12-02T17:00:00Z"], input=stdin)
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["group"] for x in result.stdout.splitlines()] == ["x:p1", "x:p1", "x:p1", "x:r3"]
