"""``scout eval replay``: the production stages scored on labelled streams (issue "judgement").

Scenario streams live in ``tests/integration/eval/streams/``; each test states the alerts that must and must
not happen. The deterministic keyword classifier stands in for the model, except in the sample
gate, which runs the shipped model on the bundled sample.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.app.eval_actions import ActionLine
from monitor.app.evaluation import Report, StreamError, parse_stream, replay
from monitor.cli import app
from monitor.config import AppConfig, load_config
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]
STREAMS = Path(__file__).parent / "streams"
EXAMPLE = ROOT / "config" / "example.yaml"
SAMPLE = ROOT / "monitor" / "sample" / "mentions.jsonl"


@pytest.fixture(scope="module")
def cfg() -> AppConfig:
    return load_config(EXAMPLE, env={})


def run(cfg: AppConfig, name: str) -> Report:
    return replay(cfg, parse_stream((STREAMS / name).read_text(encoding="utf-8")), classifier=KeywordClassifier())


def by_id(report: Report) -> dict[str, dict[str, Any]]:
    return {m["external_id"]: m for m in report.mentions}


def test_cold_start_burst_raises_no_spike_and_silences_nobody(cfg: AppConfig) -> None:
    report = run(cfg, "cold_start_burst.jsonl")
    assert report.spikes == []  # no history: never "against a usual 0"
    assert not [a for a in report.alerts if a["kind"] == "spike"]
    m = by_id(report)
    assert "marketing-sales" in m["c12"]["alerted"]  # the 241k journalist reaches Marketing & Sales
    assert m["c12"]["priority"] == "urgent"
    assert report.score["alerted"]["marketing-sales"]["recall"] == 1.0
    assert all(h["kind"] != "inhibited" for x in report.mentions for h in x["held"])


def test_red_member_of_a_yellow_group_reaches_legal_with_text_only_there(cfg: AppConfig) -> None:
    report = run(cfg, "red_joins_yellow_group.jsonl")
    m = by_id(report)
    assert m["r3"]["light"] == "red"
    assert "legal-compliance" in m["r3"]["alerted"]
    assert m["r2"]["alerted"] == []  # a routine member within the repeat interval: no second alert
    assert report.score["red_text_to_broad_receivers"] == 0
    # the report says what the broad receiver read: the notice, not nothing (judge A, 2026-12-07)
    notice = [a["summary"] for a in report.alerts if a["receiver"] == "marketing-sales" and "r3" in a["external_ids"]]
    assert notice == ["A red (confidential) mention on x is waiting for Legal / Compliance in the restricted queue"]
    assert report.score["light_accuracy"] == 1.0


def test_override_then_red_member_reaches_legal_and_override_to_red_routes_to_legal(cfg: AppConfig) -> None:
    actions: list[ActionLine] = []
    lines = parse_stream((STREAMS / "override_then_red.jsonl").read_text(encoding="utf-8"), actions=actions)
    report = replay(cfg, lines, classifier=KeywordClassifier(), actions=actions)
    m = by_id(report)
    # overridden to green by a spokesperson, then its author's red follow-up: the item turns red,
    # Legal hears
    assert m["o1"]["item_id"] == m["o2"]["item_id"]
    assert m["o2"]["light"] == "red" and m["o2"]["item_light"] == "red"
    assert "legal-compliance" in m["o2"]["alerted"]
    # another account's red post sharing its link: an item of its own, for Legal too
    assert m["o2b"]["item_id"] not in (None, m["o1"]["item_id"]) and "legal-compliance" in m["o2b"]["alerted"]
    assert report.score["red_text_to_broad_receivers"] == 0
    # overriding to red sends Legal a notice (no text) and Legal may act on the red item
    notices = [a for a in report.alerts if a["kind"] == "override"]
    assert [(a["receiver"], a["item_id"]) for a in notices] == [("legal-compliance", m["o3"]["item_id"])]
    assert m["o3"]["item_light"] == "red"
    done = {(a["line"], a["ok"]) for a in report.actions}
    assert done == {(2, True), (4, True), (5, False), (7, True), (8, True)}
    refused = next(a for a in report.actions if a["line"] == 5)
    assert "restricted" in refused["error"]  # a spokesperson not cleared for red is told why
    assert report.score["action_agreement"] == 1.0 and report.score["item_light_agreement"] == 1.0
    assert report.score["light_accuracy"] == 1.0
    # in the organisation's words, as the web and Slack say it (judge C, 2026-12-07)
    org = cfg.organisation.model_copy(update={"legal_team": "Legal & Privacy Office"})
    named = replay(cfg.model_copy(update={"organisation": org}), lines, classifier=KeywordClassifier(), actions=actions)
    refused = next(a for a in named.actions if a["line"] == 5)
    assert "Legal & Privacy Office" in refused["error"] and "Legal / Compliance" not in refused["error"]


def test_action_lines_need_the_eval_reader_and_known_people(cfg: AppConfig) -> None:
    act = '{"action":"override","source":"x","external_id":"1","at":"2026-11-30T10:05:00Z","by":"%s","light":"green","reason":"r"}'
    base = '{"source":"x","external_id":"1","text":"a","created_at":"2026-11-30T10:00:00Z"}\n'
    with pytest.raises(StreamError, match="line 2: action: queue actions are read by"):
        parse_stream(base + act % "dana.whitfield")
    with pytest.raises(StreamError, match="line 2: reason: required for override"):
        parse_stream(base + act.replace(',"reason":"r"', "") % "x", actions=[])
    with pytest.raises(StreamError, match="line 2: light: one of green, yellow, red, got 'blue'"):
        parse_stream(base + act.replace('"green"', '"blue"') % "x", actions=[])
    with pytest.raises(StreamError, match="line 2: unknown key 'colour'"):
        parse_stream(base + act.replace('"light"', '"colour"') % "x", actions=[])
    actions: list[ActionLine] = []
    lines = parse_stream(base + act % "nobody.here", actions=actions)
    with pytest.raises(StreamError, match=r"line 2: by: no spokesperson or person 'nobody\.here'"):
        replay(cfg, lines, classifier=KeywordClassifier(), actions=actions)


def test_uncovered_language_scout_urgency_and_small_posts(cfg: AppConfig) -> None:
    report = run(cfg, "language_and_scout.jsonl")
    m = by_id(report)
    assert m["l1"]["light"] == "yellow" and "marketing-sales" in m["l1"]["alerted"]
    assert m["s1"]["scout"] and "marketing-sales" in m["s1"]["alerted"]
    assert m["s1"]["priority"] in ("high", "urgent")
    assert not [a for a in report.alerts if a["kind"] == "spike"]  # a 3-like post seconds old is no spike


def test_bad_lines_name_the_line_and_key() -> None:
    with pytest.raises(StreamError, match="line 2: unknown key 'author'"):
        parse_stream('{"source":"x","external_id":"1","text":"a","created_at":"2026-11-30T10:00:00Z"}\n'
                     '{"source":"x","external_id":"2","text":"b","created_at":"2026-11-30T10:00:00Z","author":"z"}\n')
    with pytest.raises(StreamError, match="line 1: created_at: required"):
        parse_stream('{"source":"x","external_id":"1","text":"a"}')
    with pytest.raises(StreamError, match=r"line 1: expected\.light"):
        parse_stream('{"source":"x","external_id":"1","text":"a","offset_s":1,"expected":{"light":"blue"}}')


def test_cli_exit_2_on_a_bad_stream(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "x", "external_id": "1", "text": "a", "created_at": "yesterday"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "replay", str(bad), "--config", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "line 1: created_at: not an ISO time" in result.output
    bad.write_text('{"source": "x", "external_id": "1", "text": "a", "created_at": "2026-11-30T10:00:00Z"}\n'
                   '{"action": "claim", "source": "x", "external_id": "1", "at": "2026-11-30T10:01:00Z", '
                   '"by": "no.one"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "replay", str(bad), "--config", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "line 2: by: no spokesperson or person 'no.one'" in result.output


def test_cli_takes_the_actions_of_a_stream() -> None:
    stream = STREAMS / "override_then_red.jsonl"
    result = CliRunner().invoke(app, ["eval", "replay", str(stream), "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "action line 5: close by priya.raman on o2: refused (" in result.output
    assert "actions: agreement 1.000" in result.output


def test_sample_gate_with_the_shipped_model(tmp_path: Path) -> None:
    """CI gate on the bundled sample; thresholds only go up (README "Judgement")."""
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "replay", str(SAMPLE), "--config", str(EXAMPLE), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    score = report["score"]
    assert score["light_accuracy"] >= 0.882  # 0.886 on 2026-12-07 (questions put to readers, requests)
    # every expected-yellow mention with urgent reach or from a scout reaches Marketing & Sales
    assert score["yellow_high_reach_or_scout_alerted"] == score["yellow_high_reach_or_scout"] == 3
    assert score["light_confusion"]["red"]["red"] == 11  # every red mention is red ...
    assert score["red_text_to_broad_receivers"] == 0  # ... and its text reaches only Legal
    counts = score["alerts_per_receiver_and_kind"]
    assert counts.get("legal-compliance/mention", 0) >= 11
    # Marketing & Sales hears of the posts it should (an alert, or held as a routine member of a
    # live spike and counted in the spike's message) and of few it should not: counted by expected
    # light, not by volume (a floor on the number of alerts rewarded false yellows)
    assert (score["expected_yellow"], score["expected_green"]) == (94, 210)
    # 84, not the 85 of before 2026-12-03: one of those 85, a news report of trustees questioning a
    # rate increase, reached Marketing & Sales only as a false red of the confidentiality signal
    # (a notice); with the signal retrained it is not red, and the model reads it neutral (green)
    assert score["expected_yellow_reaching_lead"] >= 87  # 88 on 2026-12-07
    assert score["expected_green_alerted_to_lead"] <= 27  # 26 on 2026-12-07
    alerted_items = {a["item_id"] for a in report["alerts"] if a["kind"] == "mention" and a["receiver"] == "marketing-sales"}
    # the outage (first post 2026-12-01 16:00 UTC, after a day of ordinary traffic) is exactly one
    # crisis alert, within the 15-minute bucket it started in; nothing before it, no velocity alert
    spikes = [a for a in report["alerts"] if a["kind"] == "spike"]
    # ... and Marketing & Sales, whose routine alerts it holds, are told so in a message of their own;
    # so is kudos, whose praise it holds (in a crisis praise is mostly sarcasm: judge S)
    assert [a["receiver"] for a in spikes] == ["crisis", "marketing-sales", "kudos"]
    assert "2026-12-01T16:00:00" <= spikes[0]["at"] < "2026-12-01T16:15:00", spikes
    assert [(s["kind"], s["start"]) for s in report["spikes"]] == [("volume", "2026-12-01T16:00:00+00:00")]
    # every yellow item reaches Marketing & Sales unless it is a routine member of the live spike
    silent = [m for m in report["mentions"] if m["light"] == "yellow" and m["item_id"] not in alerted_items
              and not any(h["kind"] == "inhibited" for h in m["held"])]
    assert silent == []


def test_outage_after_a_quiet_day_is_one_spike_within_a_bucket(cfg: AppConfig) -> None:
    """A day and a half of quiet chatter, then 20 outage posts in 12 minutes from 09:30: exactly
    one crisis alert, for the bucket the outage started in, none before; the volume and negative
    share of the outage are one event; the first complaints reach Marketing & Sales."""
    report = run(cfg, "outage_after_quiet_day.jsonl")
    spikes = [a for a in report.alerts if a["kind"] == "spike" and a["receiver"] == "crisis"]
    assert len(spikes) == 1
    assert "2026-11-30T09:30:00" <= spikes[0]["at"] <= "2026-11-30T09:45:00"
    assert "negative against a usual" in spikes[0]["summary"]
    # it names its top posts with their links, and the report shows them (judge AF, 2026-12-07)
    assert spikes[0]["posts"] and all(p["external_id"].startswith("o") for p in spikes[0]["posts"]), spikes[0]
    assert [(s["kind"], s["start"], s["baseline_source"]) for s in report.spikes] == [
        ("volume", "2026-11-30T09:30:00+00:00", "trailing 24 h")]
    # the routine complaints after it are held back, counted in the spike's own message
    held = [x for x in report.mentions if any(h["kind"] == "inhibited" for h in x["held"])]
    assert held and report.spikes[0]["held_alerts"] == len(held)
    m = by_id(report)
    assert "marketing-sales" in m["o1"]["alerted"]
    assert report.score["light_accuracy"] == 1.0
    quiet = [x for x in report.mentions if x["external_id"].startswith("q")]
    assert len(quiet) > 40 and all(x["alerted"] == [] for x in quiet)


def test_the_spikes_own_message_says_when_it_is_over(cfg: AppConfig, tmp_path: Path) -> None:
    """When the outage's volume is back at its usual level, the spike's crisis message is rewritten
    in place to say so: since when, how many mentions the episode had and what it held back (judge
    T, 2026-12-06: nobody was told a spike was over)."""
    from sqlmodel import Session, create_engine, select

    from monitor.storage.models import Notification

    report = replay(cfg, parse_stream((STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8")),
                    classifier=KeywordClassifier(), folder=tmp_path)
    [spike] = report.spikes
    assert spike["end"] is not None
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        rows = [n for n in s.exec(select(Notification)) if n.kind == "spike" and n.channel is None]
    [over] = [n for n in rows if n.payload.get("ended_at")]
    assert over.receiver == "crisis" and over.payload["updates"] == rows[0].idempotency_key
    assert over.payload["title"].startswith("Spike (over): ")
    # how big the episode was, not what it was when detected (judge N)
    assert over.payload["title"].startswith(f"Spike (over): {over.payload['episode_mentions']} mentions since ")
    assert over.payload["held"].startswith("Over at ") and "back to the usual level" in over.payload["held"]
    assert f"{spike['held_alerts']} routine alert(s)" in over.payload["held"]
    assert over.payload["episode_mentions"] >= 20  # the 20 outage posts at least
    # a rewrite, not a second alert
    assert len([a for a in report.alerts if a["kind"] == "spike" and a["receiver"] == "crisis"]) == 1


def test_a_receiver_whose_alerts_a_spike_holds_is_told_so(cfg: AppConfig, tmp_path: Path) -> None:
    """The spike's message goes to the crisis channel; Marketing & Sales, whose routine alerts it
    holds back, get one message of their own (judge A, 2026-12-06: their alerts just stopped),
    rewritten in place as the count grows and when the spike is over."""
    from sqlmodel import Session, col, create_engine, select

    from monitor.storage.models import Notification

    report = replay(cfg, parse_stream((STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8")),
                    classifier=KeywordClassifier(), folder=tmp_path)
    [spike] = report.spikes
    held = [x for x in report.mentions if any(h["kind"] == "inhibited" for h in x["held"])]
    assert held and all(h["receiver"] == "marketing-sales" for x in held for h in x["held"] if h["kind"] == "inhibited")
    told = [a for a in report.alerts if a["kind"] == "spike" and a["receiver"] == "marketing-sales"]
    assert len(told) == 1 and told[0]["at"] >= next(a["at"] for a in report.alerts if a["receiver"] == "crisis")
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        rows = [n for n in s.exec(select(Notification).order_by(col(Notification.id)))
                if n.kind == "spike" and n.channel is None and n.receiver == "marketing-sales"]
    first, *rewrites = rows
    assert first.idempotency_key.startswith("spike:volume:") and first.idempotency_key.endswith(
        ":held-for:marketing-sales")
    assert first.payload["title"] == "Routine alerts to you are held during a live spike"
    assert "still alert you" in first.payload["held"] and first.payload["queue_url"].endswith("/queue")
    assert first.payload["samples"] and all(x["text"] for x in first.payload["samples"])  # what it is about
    assert rewrites and all(r.payload["updates"] == first.idempotency_key for r in rewrites)
    last = rewrites[-1].payload["held"]
    assert last.startswith("Over at ") and "routine alerts flow again" in last
    assert f"{spike['held_alerts']} alert(s)" in last


def test_praise_during_a_spike_of_complaints_is_not_shared_with_kudos(cfg: AppConfig, tmp_path: Path) -> None:
    """Judge S (2026-12-06): in a breach, 13 of the 14 posts #kudos got were complaints read as
    praise. While the outage's spike is live, a post read as praise is not shared (kudos is told
    why, once, rewritten when the spike is over); a compliment a colleague forwards still goes."""
    from sqlmodel import Session, col, create_engine, select

    from monitor.storage.models import Notification

    def post(ext: str, at: str, text: str, **kw: Any) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": f"u{ext}",
                           "author_reach": 90, "created_at": at, **kw})

    stream = (STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join([
        post("k1", "2026-11-30T09:45:00Z", "Great job SET SEG, the portal is a museum piece now, love it"),
        post("k2", "2026-11-30T09:46:00Z", "Thanks SET SEG for the great safety webinar last week",
             submitted_by="emp-3", category="compliment"),
    ])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), folder=tmp_path)
    m = by_id(report)
    assert m["k1"]["sentiment"] == "positive" and "kudos" not in m["k1"]["alerted"]
    assert [h["kind"] for h in m["k1"]["held"] if h["receiver"] == "kudos"] == ["inhibited"]
    assert "kudos" in m["k2"]["alerted"]
    with Session(create_engine(f"sqlite:///{tmp_path}/eval.db")) as s:
        rows = [n for n in s.exec(select(Notification).order_by(col(Notification.id)))
                if n.kind == "spike" and n.channel is None and n.receiver == "kudos"]
    first, *rewrites = rows
    assert first.payload["title"] == "Praise is not shared during a live spike" and "queue_url" not in first.payload
    assert first.payload["held"].startswith("1 post(s) read as praise not shared so far")
    assert rewrites and rewrites[-1].payload["title"] == "Praise is shared again: the spike is over"


def test_velocity_names_the_post_and_never_fires_for_small_or_fresh_posts(cfg: AppConfig) -> None:
    """v1 gained 2,020 engagements in the 45 minutes before a connector saw it: one velocity
    alert naming the post, its author and link. v2 (4 engagements, seconds old) and v3 (45
    engagements in an hour, under velocity_min_engagement) raise none."""
    report = run(cfg, "velocity.jsonl")
    spikes = [a for a in report.alerts if a["kind"] == "spike"]
    assert [(a["receiver"], a["external_ids"]) for a in spikes] == [("crisis", ["v1"])]
    assert "https://x.com/bigvoice/status/v1 by bigvoice" in spikes[0]["summary"]
    assert [s["kind"] for s in report.spikes] == ["velocity"]
    m = by_id(report)
    assert m["v1"]["priority"] == "urgent" and "marketing-sales" in m["v1"]["alerted"]
    assert m["v2"]["priority"] != "urgent"


def test_group_wait_batches_the_first_members_and_red_goes_out_at_once(cfg: AppConfig) -> None:
    """Root route: group_wait 30s. Three complaints sharing a link within 25 s are ONE message to
    Marketing & Sales, 30 s after the first, counting all three; another account's red post
    sharing the link two minutes later (an item of its own) reaches Legal (group_wait 0s) and the
    Marketing & Sales red notice (group_wait and group_interval 0s) in the same minute."""
    from datetime import timedelta

    lines = parse_stream((STREAMS / "group_wait.jsonl").read_text(encoding="utf-8"))
    # a 5 s grid: the third complaint, seen at 10:00:25, is taken in before the message falls due
    report = replay(cfg, lines, classifier=KeywordClassifier(), tick=timedelta(seconds=5))
    sent = [(a["at"][11:19], a["receiver"], a["external_ids"], a["mention_count"])
            for a in report.alerts if a["kind"] == "mention"]
    assert sent == [("10:00:30", "marketing-sales", ["g1", "g2", "g3"], 3),
                    ("10:02:00", "legal-compliance", ["g4"], 1),
                    ("10:02:00", "marketing-sales", ["g4"], 1)]
    m = by_id(report)
    # the members batched into the first message were alerted by it (not held as repeats of it)
    for ext in ("g2", "g3"):
        assert m[ext]["alerted"] == ["marketing-sales"], m[ext]
        assert [h["kind"] for h in m[ext]["held"]] == ["grouped"]
        assert "had not gone out yet" in m[ext]["held"][0]["reason"]


def test_group_interval_holds_news_about_a_group_until_the_interval(cfg: AppConfig) -> None:
    """An alerted yellow group gains a 50k-follower member a minute later (its priority rises to
    urgent): the update waits until group_interval (5m) after the first alert was decided; a
    third member meanwhile (urgent too: no news) joins that waiting message and is counted."""
    from datetime import timedelta

    def line(ext: str, at: str, reach: int, text: str) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": ext,
                           "author_reach": reach, "created_at": f"2026-11-30T{at}Z", "observed_at": f"2026-11-30T{at}Z",
                           "links": ["https://news.example/renewal"]})

    stream = "\n".join([line("i1", "10:00:00", 50, "SET SEG renewal is a scam"),
                        line("i2", "10:01:00", 50_000, "SET SEG renewal denied for half our district, terrible"),
                        line("i3", "10:02:00", 250_000, "SET SEG renewal scam: the whole state is angry")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), tick=timedelta(seconds=10))
    sent = [(a["at"][11:19], a["external_ids"], a["mention_count"]) for a in report.alerts
            if a["kind"] == "mention" and a["receiver"] == "marketing-sales"]
    # i3 (urgent too: no news after i2) is in i2's waiting message, named by it
    assert sent == [("10:00:30", ["i1"], 1), ("10:05:00", ["i2", "i3"], 3)]


def test_later_members_of_an_alerted_group_update_its_message_once_per_group_interval(cfg: AppConfig) -> None:
    """Alertmanager's group_interval for members that bring no news (same light and priority):
    held as repeats (no new alert, no ping), they are shown by ONE update of the group's message
    per group_interval (5m) window after its alert; a member in a later window is a second update."""
    from datetime import timedelta

    def line(ext: str, at: str, text: str) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": ext,
                           "author_reach": 50, "created_at": f"2026-11-30T{at}Z", "observed_at": f"2026-11-30T{at}Z",
                           "links": ["https://news.example/renewal"]})

    stream = "\n".join([line("k1", "10:00:00", "SET SEG renewal is a scam"),
                        line("k2", "10:20:00", "SET SEG renewal denied again, terrible"),
                        line("k3", "10:21:00", "SET SEG renewal scam, same here"),
                        line("k4", "10:40:00", "SET SEG renewal broken for us too")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier(), tick=timedelta(seconds=10))
    m = by_id(report)
    assert m["k1"]["alerted"] == ["marketing-sales"]
    assert all(m[k]["alerted"] == [] and [h["kind"] for h in m[k]["held"]] == ["repeat"] for k in ("k2", "k4"))
    # k3 joins k2's update while it waits for its window: named by it, still no alert
    assert m["k3"]["alerted"] == [] and [h["kind"] for h in m["k3"]["held"]] == ["grouped"]
    sent = [(a["at"][11:19], a["kind"], a["external_ids"], a["mention_count"]) for a in report.alerts
            if a["receiver"] == "marketing-sales" and a["kind"] in ("mention", "update")]
    # windows of 5 minutes from the alert's decision (10:00): k2 and k3 (10:20, 10:21) go out at
    # the end of theirs, 10:25, as one update counting both, showing the newest (k3); k4 (10:40) at 10:45
    assert sent == [("10:00:30", "mention", ["k1"], 1),
                    ("10:25:00", "update", ["k3", "k2"], 3),
                    ("10:45:00", "update", ["k4"], 4)]


def test_a_thanks_in_a_red_items_thread_tells_kudos_nothing(cfg: AppConfig) -> None:
    """A green reply in the thread of a red item is a member of it (listed on its page) but no
    news for a receiver that never heard of the item: kudos gets no red notice through a "thanks"."""
    def line(ext: str, at: str, text: str, parent: str | None = None, author: str | None = None) -> str:
        return json.dumps({"source": "reddit", "external_id": ext, "text": text, "author_handle": author or ext,
                           "author_reach": 40, "created_at": f"2026-11-30T{at}Z", "thread_id": "t0",
                           "parent_id": parent, "kind": "comment" if parent else "post"})

    # t1: the complainant's own red follow-up turns the item red
    stream = "\n".join([line("t0", "10:00:00", "SET SEG claims portal is down again, terrible"),
                        line("t1", "10:30:00", "the fix is Project Falcon, internal only", "t0", author="t0"),
                        line("t2", "11:00:00", "thanks, great to know it is being worked on", "t1")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = by_id(report)
    assert m["t1"]["light"] == "red" and "legal-compliance" in m["t1"]["alerted"]
    assert m["t2"]["light"] == "green" and m["t2"]["item_id"] == m["t0"]["item_id"] == m["t1"]["item_id"]
    assert m["t2"]["alerted"] == []
    # kudos: no news; Legal, who holds the red item, sees the member in the item's next update
    assert {h["receiver"]: h["kind"] for h in m["t2"]["held"]} == {"kudos": "grouped", "legal-compliance": "repeat"}
    assert not [a for a in report.alerts if a["receiver"] == "kudos"]
    assert [a["external_ids"] for a in report.alerts if a["receiver"] == "legal-compliance" and a["kind"] == "update"] \
        == [["t2"]]


def test_a_compliment_a_scout_forwards_is_shared_with_kudos_too(cfg: AppConfig) -> None:
    """P1 and P4: a forward goes to the Marketing & Sales queue, and a forwarded compliment is
    shared with kudos like a crawled one (the scout route continues)."""
    stream = json.dumps({"source": "web", "external_id": "f1", "url": "https://blog.example/thanks",
                         "text": "A district blog thanks SET SEG: great, helpful claims team", "author_handle": "",
                         "created_at": "2026-11-30T10:00:00Z", "submitted_by": "emp@setseg.example",
                         "urgency": "normal", "category": "compliment"})
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = by_id(report)
    assert m["f1"]["light"] == "green" and sorted(m["f1"]["alerted"]) == ["kudos", "marketing-sales"]


def test_a_group_closes_after_its_window(cfg: AppConfig) -> None:
    """policy.grouping.window (48 h): a complaint sharing the same link two days later is a new
    queue item and alerts afresh; one an hour later joins the first item (a repeat, no alert)."""
    report = run(cfg, "group_window.jsonl")
    m = by_id(report)
    assert m["w1"]["item_id"] == m["w2"]["item_id"] != m["w3"]["item_id"]
    assert (m["w1"]["alerted"], m["w2"]["alerted"], m["w3"]["alerted"]) == (["marketing-sales"], [],
                                                                            ["marketing-sales"])


def test_a_receiver_without_a_queue_is_alerted_and_its_item_closed(cfg: AppConfig) -> None:
    """receivers[].queue: false — a yellow complaint routed only to such a receiver is alerted and
    recorded; its item is closed at once instead of waiting in a queue nobody works."""
    data = cfg.model_dump(mode="python", by_alias=True)
    for r in data["receivers"]:
        if r["name"] == "marketing-sales":
            r["queue"] = False
    nq = AppConfig.model_validate(data)
    stream = json.dumps({"source": "x", "external_id": "n1", "text": "SET SEG portal down again, terrible",
                         "author_handle": "ann", "author_reach": 50, "created_at": "2026-11-30T10:00:00Z"})
    from datetime import timedelta

    report = replay(nq, parse_stream(stream), classifier=KeywordClassifier(), tick=timedelta(minutes=10),
                    tail=timedelta(days=2))
    (m,) = report.mentions
    assert m["light"] == "yellow" and m["alerted"] == ["marketing-sales"]
    assert not [a for a in report.alerts if a["kind"] == "ladder"]  # nothing waits for an acknowledgement


def test_a_red_post_in_a_burst_never_reaches_the_crisis_channel(cfg: AppConfig) -> None:
    """P4: the crisis receiver is not restricted, so a spike's top terms and sample posts leave
    out red posts and watch-list terms, even when the burst is full of them."""
    base = (STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8")
    leaks = "\n".join(json.dumps({
        "source": "x", "external_id": f"leak{k}", "text": f"SET SEG portal down, insiders say Project Falcon broke it ({k})",
        "author_handle": f"leaker{k}", "author_reach": 5000 + k, "likes": 500, "created_at": f"2026-11-30T09:3{k}:30Z"})
        for k in range(6))
    report = replay(cfg, parse_stream(base + leaks + "\n"), classifier=KeywordClassifier())
    spikes = [a for a in report.alerts if a["kind"] == "spike"]
    assert spikes and all("falcon" not in a["summary"].lower() for a in spikes)
    assert all(not any(e.startswith("leak") for e in a["external_ids"]) for a in spikes)
    assert all("legal-compliance" in m["alerted"] for m in report.mentions if m["external_id"].startswith("leak"))


def test_a_wave_of_praise_is_no_crisis_and_holds_back_no_complaint(cfg: AppConfig) -> None:
    """The quiet day and a half of the outage stream, then 20 compliments in 12 minutes (an award)
    and one complaint among them (judge M, 2026-12-05: the crisis channel got "Spike: 10 mentions
    ..." for an award and the complaints and compliments of the wave were held back): one spike
    alert, "Spike of praise", to Marketing & Sales (``praise_receiver``), none to crisis; the
    complaint and the compliments are alerted as any other."""
    quiet = [line for line in (STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8").splitlines()
             if '"external_id": "q' in line]
    wave = [json.dumps({"source": "x", "external_id": f"w{k}", "author_handle": f"fan{k}", "author_reach": 80,
                        "text": f"Congratulations SET SEG on the safety award, great work team ({k})",
                        "created_at": f"2026-11-30T09:{30 + k // 2:02d}:{30 * (k % 2):02d}Z"}) for k in range(20)]
    complaint = json.dumps({"source": "x", "external_id": "c1", "author_handle": "grumpy", "author_reach": 90,
                            "text": "SET SEG denied my claim today, terrible", "created_at": "2026-11-30T09:36:10Z"})
    report = replay(cfg, parse_stream("\n".join([*quiet, *wave, complaint]) + "\n"), classifier=KeywordClassifier())
    spikes = [a for a in report.alerts if a["kind"] == "spike"]
    assert [a["receiver"] for a in spikes] == ["marketing-sales"], spikes
    # since 2026-12-06 the hour is judged too (policy.spikes.window): it fires at the 10th post of
    # the hour (9 of the wave), not at the 13th of one bucket
    assert "mostly positive: " in spikes[0]["summary"] and "; from x " in spikes[0]["summary"]
    m = by_id(report)
    assert m["c1"]["alerted"] == ["marketing-sales"] and m["c1"]["held"] == []
    assert all("kudos" in m[f"w{k}"]["alerted"] for k in range(20))


def test_brand_reading_with_the_shipped_model(cfg: AppConfig) -> None:
    """Issue "model": sarcastic complaints, sincere compliments, good news about bad things and
    disclosures without a watch-list term, read by the shipped model and the confidentiality
    signal at the example's ``red_model_threshold``. Written for this test after the model was
    trained (evaluation only); thresholds only go up (MODEL_CARD.md, "Evaluation")."""
    report = replay(cfg, parse_stream((STREAMS / "brand_reading.jsonl").read_text(encoding="utf-8")))
    m = by_id(report)
    for d in ("d1", "d2", "d3"):  # disclosures without a watch-list term: red, to Legal
        assert m[d]["light"] == "red" and "legal-compliance" in m[d]["alerted"], m[d]
    assert report.score["red_text_to_broad_receivers"] == 0
    for p in ("p1", "p2", "p3", "p4", "g1", "g2"):  # compliments, good news about bad things: kudos
        assert m[p]["sentiment"] == "positive" and "kudos" in m[p]["alerted"], m[p]
    sarcastic = [m[s] for s in ("s1", "s2", "s3", "s4", "s5")]
    assert sum("kudos" not in s["alerted"] and s["light"] == "yellow" for s in sarcastic) >= 3
    assert m["n1"]["light"] == "green" and m["n1"]["alerted"] == []


@pytest.mark.parametrize("name", ["outage_after_quiet_day.jsonl", "override_then_red.jsonl", "language_and_scout.jsonl",
                                  "group_window.jsonl", "velocity.jsonl", "responses_follow_up.jsonl"])
def test_jumping_over_quiet_minutes_changes_nothing(cfg: AppConfig, name: str) -> None:
    """The clock jumps over minutes in which no stage can act (a quiet week replays in seconds);
    the report is the one a minute-by-minute replay gives, alerts, times and all."""
    reports = []
    for jump in (True, False):
        actions: list[ActionLine] = []
        lines = parse_stream((STREAMS / name).read_text(encoding="utf-8"), actions=actions)
        reports.append(replay(cfg, lines, classifier=KeywordClassifier(), actions=actions, jump=jump).to_json())
    assert reports[0]["alerts"], "the stream must alert something to compare"
    assert reports[0] == reports[1]


def test_override_to_red_reopens_a_closed_item_and_an_override_down_lets_red_alert_again(cfg: AppConfig) -> None:
    """A compliment shared with kudos (its item closed at once) overridden to red opens again so
    that Legal can act on it; after Legal overrides a red item down, a later red member of its
    thread is news to every receiver, not a repeat (issue 15, "Overrides")."""
    actions: list[ActionLine] = []
    lines = parse_stream((STREAMS / "override_lifecycle.jsonl").read_text(encoding="utf-8"), actions=actions)
    report = replay(cfg, lines, classifier=KeywordClassifier(), actions=actions)
    m = by_id(report)
    assert m["k1"]["alerted"] == ["kudos"]
    done = {a["line"]: a["ok"] for a in report.actions}
    assert done == {2: True, 3: True, 4: True, 6: True}, report.actions
    notices = [a for a in report.alerts if a["kind"] == "override"]
    assert [(a["receiver"], a["item_id"]) for a in notices] == [("legal-compliance", m["k1"]["item_id"])]
    # r2, another account's red reply: an item of its own (r1 stays as Legal settled it), news to all
    assert m["r2"]["item_id"] != m["r1"]["item_id"] and m["r2"]["item_light"] == "red"
    assert m["r1"]["item_light"] == "yellow"
    assert sorted(m["r2"]["alerted"]) == ["legal-compliance", "marketing-sales"], m["r2"]["held"]
    assert report.score["red_text_to_broad_receivers"] == 0
    assert report.score["action_agreement"] == 1.0 and report.score["light_accuracy"] == 1.0
    # Grace cleared r1 (a code name in the public agenda): Marketing & Sales, who had only a
    # notice of it, get the post with the item (no leak: Legal decided it may be seen)
    cleared = [a for a in report.alerts if a["kind"] == "cleared"]
    assert [a["receiver"] for a in cleared] == ["marketing-sales"]
    assert [a["item_id"] for a in cleared] == [m["r1"]["item_id"]], report.alerts


def test_a_velocity_spike_counts_the_routine_alerts_it_holds_in_its_own_message(cfg: AppConfig) -> None:
    """A post going viral between two readings is a velocity spike covering its group: the routine
    replies that follow are held (they stay in the queue) and counted in the spike's message, as a
    volume spike's are (issue 15: "what it holds is counted in the spike's own message")."""
    def line(ext: str, observed: str, text: str, **kw: Any) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": f"u{ext}",
                           "author_reach": 100, "created_at": "2026-11-30T10:00:00Z",
                           "observed_at": f"2026-11-30T{observed}Z", **kw})

    stream = "\n".join([
        line("v1", "10:05:00", "SET SEG claims portal is down, terrible", likes=20, kind="post"),
        line("v1", "10:50:00", "SET SEG claims portal is down, terrible", likes=1500, reposts=300, kind="post"),
        line("v2", "11:10:00", "same here, portal down", kind="reply", thread_id="v1", parent_id="v1"),
        line("v3", "11:12:00", "down for our district too", kind="reply", thread_id="v1", parent_id="v1")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    (spike,) = report.spikes
    assert spike["kind"] == "velocity"
    held = [x["external_id"] for x in report.mentions if any(h["kind"] == "inhibited" for h in x.get("held", []))]
    assert held == ["v2", "v3"]
    assert spike["held_alerts"] == 2


def test_a_red_post_the_pipeline_missed_counts_as_red_text_to_a_broad_receiver(cfg: AppConfig) -> None:
    """The labels, not the pipeline's own light, judge leaks: a disclosure without a watch-list
    term that the classifier reads as an ordinary complaint goes to Marketing & Sales with its
    text, and the scorecard counts it (a metric that only looks at what was decided red can never
    see a miss). The complaint beside it is no leak."""
    report = run(cfg, "red_missed_by_the_model.jsonl")
    m = by_id(report)
    assert m["rm1"]["light"] == "yellow" and "marketing-sales" in m["rm1"]["alerted"]
    assert report.score["red_text_to_broad_receivers"] == 1
    assert report.score["light_confusion"]["red"]["yellow"] == 1


def test_cli_tick_seconds_shows_batching_of_posts_seconds_apart(tmp_path: Path) -> None:
    """``--tick-seconds 5``: the three complaints 10-25 s apart are one message (on the default
    one-minute step the third arrives in the next poll, after the message went out)."""
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["eval", "replay", str(STREAMS / "group_wait.jsonl"), "-c", str(EXAMPLE),
                                   "--json", str(out), "--tick-seconds", "5"])
    assert res.exit_code == 0, res.output
    first = next(a for a in json.loads(out.read_text())["alerts"] if a["kind"] == "mention")
    assert first["external_ids"] == ["g1", "g2", "g3"] and first["at"].endswith("10:00:30+00:00")


def test_a_collected_compliment_forwarded_later_reaches_kudos_once(cfg: AppConfig) -> None:
    """The forward raises the item's priority (a scout's urgency): news for Marketing & Sales'
    queue, none for kudos, which has no queue (the compliment was posted there once)."""
    report = run(cfg, "kudos_once.jsonl")
    kudos = [a for a in report.alerts if a["receiver"] == "kudos" and a["kind"] == "mention"]
    assert [a["external_ids"] for a in kudos] == [["k1"]]
    assert any(a["receiver"] == "marketing-sales" and a["kind"] == "mention" for a in report.alerts)


def test_a_filed_compliment_forwarded_as_one_stays_closed(cfg: AppConfig, tmp_path: Path) -> None:
    """Judge N (2026-12-07): a compliment shared with kudos and filed, then forwarded by a scout as a
    compliment, opened again as work: reminders to its holder, "overdue" in the digest, and the
    scout's digest said his compliment was open. A forwarded compliment leaves it closed (README)."""
    from datetime import timedelta

    report = replay(cfg, parse_stream((STREAMS / "kudos_once.jsonl").read_text(encoding="utf-8")),
                    classifier=KeywordClassifier(), folder=tmp_path, tail=timedelta(days=2))
    assert not [a for a in report.alerts if a["kind"] == "ladder"]
    with sqlite3.connect(tmp_path / "eval.db") as db:
        assert db.execute("SELECT status, close_reason FROM queue_item").fetchall() == [
            ("closed", "recorded: green mention shared with its receivers")]
        assert db.execute("SELECT count(*) FROM audit_event WHERE action = 'queue.reopen'").fetchone() == (0,)


def test_a_post_nobody_on_duty_could_read_goes_to_a_reader_once_one_is_on_duty(cfg: AppConfig) -> None:
    """Two German posts arrive before anyone is on duty: the rotation gives both to the first
    spokesperson on duty (13:00 UTC), who reads no German; when the German reader comes on duty
    (17:00 UTC) the one the rotation chose goes to him, the one its holder claimed stays hers."""
    from datetime import timedelta

    actions: list[ActionLine] = []
    lines = parse_stream((STREAMS / "language_reader_later.jsonl").read_text(encoding="utf-8"), actions=actions)
    report = replay(cfg, lines, classifier=KeywordClassifier(), actions=actions, tail=timedelta(hours=7))
    m = by_id(report)
    assert m["de1"]["assignee"] == "jonas.keller" and m["de2"]["assignee"] == "marcus.ortega"
    assert report.score["assignee_agreement"] == 1.0


def test_a_quote_and_a_reply_join_the_group_of_a_post_grouped_by_its_link(cfg: AppConfig) -> None:
    """The quoted post shares a link, so its group is the link's: the quote and the reply join it
    (one item, no second alert), instead of opening groups keyed by the post's id."""
    report = run(cfg, "quote_of_a_linked_post.jsonl")
    m = by_id(report)
    assert m["lq1"]["item_id"] == m["lr1"]["item_id"] == m["lp1"]["item_id"] is not None
    assert [a["external_ids"] for a in report.alerts if a["kind"] == "mention"] == [["lp1"]]


def test_a_post_linking_to_a_stored_post_joins_its_group(cfg: AppConfig) -> None:
    """A Reddit post linking to a red tweet we have joins the tweet's (red) item: Marketing & Sales
    see no full alert of it out of context, and Legal has it with the leak. A post linking to an
    article nobody posted about stays on its own."""
    report = run(cfg, "link_to_a_stored_post.jsonl")
    m = by_id(report)
    assert m["lk2"]["item_id"] == m["lk1"]["item_id"] is not None and m["lk2"]["item_light"] == "red"
    assert m["lk3"]["item_id"] not in (None, m["lk1"]["item_id"])
    assert report.score["red_text_to_broad_receivers"] == 0


def test_a_rise_is_measured_against_what_the_receiver_was_shown(cfg: AppConfig) -> None:
    """The message shows the item's priority, not its post's: after a routine reply re-alerted an
    urgent item (past repeat_interval), a high reply is no "now high (was normal)" rise (judge A,
    2026-12-06: "now urgent (was high)" about an item urgent for six hours). It joins the item's
    next update."""
    def line(ext: str, at: str, text: str, reach: int, **kw: Any) -> str:
        return json.dumps({"source": "x", "external_id": ext, "text": text, "author_handle": f"u{ext}",
                           "author_reach": reach, "created_at": f"2026-11-30T{at}Z", **kw})

    stream = "\n".join([
        line("p1", "10:00:00", "SET SEG denied my claim again, terrible", 150_000, kind="post"),
        line("r1", "14:30:00", "SET SEG denied mine too, terrible", 0, kind="reply", thread_id="p1", parent_id="p1"),
        line("r2", "15:00:00", "SET SEG denied my claim as well, terrible", 20_000, kind="reply", thread_id="p1",
             parent_id="p1")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = by_id(report)
    assert (m["p1"]["priority"], m["r1"]["priority"], m["r2"]["priority"]) == ("urgent", "normal", "high")
    assert m["r1"]["alerted"] == ["marketing-sales"]  # past the urgent route's repeat_interval: sent again
    assert m["r2"]["alerted"] == [] and [h["kind"] for h in m["r2"]["held"]] == ["repeat"]


def test_a_forwarded_compliment_is_never_a_crisis(cfg: AppConfig) -> None:
    """A compliment an employee forwarded is Marketing & Sales's to share (green, in their queue,
    with reminders when nobody takes it), never an item for the crisis contact (judge A,
    2026-12-06: "#1 green, normal" in the crisis backlog). A complaint left as long reaches it."""
    def line(ext: str, at: str, text: str, **kw: Any) -> str:
        return json.dumps({"source": "x", "external_id": ext, "url": f"https://x.example/{ext}", "text": text,
                           "author_handle": f"u{ext}", "author_reach": 300, "created_at": f"2026-11-30T{at}Z", **kw})

    stream = "\n".join([
        line("k1", "10:00:00", "Thank you SET SEG for the quick help with my claim, wonderful people",
             submitted_by="emp@setseg.example", urgency="low", category="compliment"),
        line("c1", "10:05:00", "SET SEG denied my claim again, terrible"),
        json.dumps({"source": "x", "external_id": "late", "url": "https://x.example/late", "text": "SET SEG webinar today",
                    "author_handle": "z", "author_reach": 10, "created_at": "2026-12-01T20:00:00Z"})])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = by_id(report)
    assert m["k1"]["light"] == "green" and "marketing-sales" in m["k1"]["alerted"]
    ladder = [a for a in report.alerts if a["kind"] == "ladder"]
    crisis = " ".join(a["summary"] for a in ladder if a["receiver"] == "crisis")
    assert f"#{m['c1']['item_id']} " in crisis and f"#{m['k1']['item_id']} " not in crisis, crisis
    assert any(a["item_id"] == m["k1"]["item_id"] and a["receiver"] == "marketing-sales" for a in ladder)


def test_a_copy_paste_campaign_is_one_item_answered_once(cfg: AppConfig) -> None:
    """Judge A (2026-12-06): twelve accounts posting the same words (a petition's text, with their
    own hashtags, handles or links at the end) were twelve queue items and twelve alerts. Now one
    item: Marketing & Sales get one alert and the later posts as updates in its thread. Short
    texts said by many ("Thank you SET SEG!") stay separate posts, other words about the same
    matter stay another item, and the same words after the grouping window start a new item."""
    report = run(cfg, "campaign.jsonl")
    m = by_id(report)
    campaign = {m[f"c{i}"]["item_id"] for i in range(1, 14)}  # c13: "This. " before the same words
    assert len(campaign) == 1
    [item] = campaign
    to_ms = [a for a in report.alerts if a["receiver"] == "marketing-sales" and a["item_id"] == item]
    assert [a["kind"] for a in to_ms if a["kind"] == "mention"] == ["mention"]
    assert all(a["kind"] in ("update", "ladder") for a in to_ms if a["kind"] != "mention")
    assert all(h["kind"] in ("repeat", "grouped") for i in range(2, 14) for h in m[f"c{i}"]["held"])
    assert len({m[f"t{i}"]["item_id"] for i in range(1, 6)}) == 5  # "Thank you SET SEG!" x5: five posts
    assert m["d1"]["item_id"] != item and "marketing-sales" in m["d1"]["alerted"]
    assert m["late1"]["item_id"] != item and "marketing-sales" in m["late1"]["alerted"]


def test_campaign_grouping_can_be_switched_off(cfg: AppConfig) -> None:
    """``policy.grouping.by_campaign: false``: the same words by other people are posts of their own."""
    off = cfg.model_copy(update={"policy": cfg.policy.model_copy(update={
        "grouping": cfg.policy.grouping.model_copy(update={"by_campaign": False})})})
    report = run(off, "campaign.jsonl")
    m = by_id(report)
    assert len({m[f"c{i}"]["item_id"] for i in range(1, 13)}) == 12


def test_a_scouts_compliment_in_a_language_the_model_does_not_read_reaches_kudos(cfg: AppConfig) -> None:
    """Judge E (2026-12-06): a Spanish compliment an employee forwarded as one became yellow
    "needs review: language es" and never reached kudos, though a person had read it. The same
    post without a scout still goes to a person."""
    text = "Gracias a SET SEG por el taller de seguridad en español para el personal de cafetería"
    other = "Muchas gracias a SET SEG, el taller fue muy útil para todo el personal"
    lines = [json.dumps({"source": "x", "external_id": ext, "url": f"https://x.com/a/status/{ext}", "text": words,
                         "created_at": f"2026-12-08T1{i}:00:00Z", "author_handle": f"maestra{i}", "lang": "es",
                         **extra}) for i, (ext, words, extra) in enumerate([
                             ("f1", text, {"submitted_by": "eve@setseg.example", "category": "compliment"}),
                             ("p1", other, {})])]
    report = replay(cfg, parse_stream("\n".join(lines)), classifier=KeywordClassifier())
    m = by_id(report)
    assert m["f1"]["light"] == "green" and set(m["f1"]["alerted"]) == {"kudos", "marketing-sales"}
    assert m["p1"]["light"] == "yellow"  # no person read it: a person must


def test_credentials_and_personal_data_without_a_listed_term_are_red(cfg: AppConfig) -> None:
    """Judge E (2026-12-06): an admin password and a named claimant's medical details went out
    green, one of them to kudos. The example's pattern watch-lists make them red (Legal gets the
    text, the broad receivers a notice); a complaint about password rules is no leak."""
    posts = [
        ("pw", "lol the SET SEG member portal admin password: Bluebird2026 still works, someone tell them"),
        ("med", "Thank you SET SEG for covering Mr. Okafor's shoulder surgery, his MRI was clear and he is home"),
        ("ok", "SET SEG's portal password rules are from 2005, change it every 30 days, why"),
    ]
    lines = [json.dumps({"source": "x", "external_id": ext, "url": f"https://x.com/a/status/{ext}", "text": text,
                         "created_at": f"2026-12-08T1{i}:00:00Z", "author_handle": f"user{i}"})
             for i, (ext, text) in enumerate(posts)]
    report = replay(cfg, parse_stream("\n".join(lines)), classifier=KeywordClassifier())
    m = by_id(report)
    assert m["pw"]["light"] == m["med"]["light"] == "red"
    assert "legal-compliance" in m["pw"]["alerted"] and "kudos" not in m["med"]["alerted"]
    assert m["ok"]["light"] != "red"
    assert report.score["red_text_to_broad_receivers"] == 0
    legal = [a for a in report.alerts if a["receiver"] == "legal-compliance" and a["kind"] == "mention"]
    assert len(legal) == 2 and not any("Bluebird2026" in a["summary"] for a in report.alerts
                                       if a["receiver"] != "legal-compliance")


def test_a_slowly_building_outage_reaches_the_crisis_channel_within_the_hour(cfg: AppConfig) -> None:
    """Judges A and E (2026-12-06): an outage whose complaints build over two hours (1, 1, 2, 3, 4,
    5, 7, 10 per 15 min from 16:00, after quiet days of about one post per 15 min) reached the
    crisis channel at 18:01, when one bucket first held 10 posts. The last hour is judged as a
    whole too (``policy.spikes.window``): crisis hears of it at 17:15, once; without the window,
    at 18:01 as before."""
    report = run(cfg, "slow_outage.jsonl")
    crisis = [a for a in report.alerts if a["kind"] == "spike" and a["receiver"] == "crisis"]
    assert len(crisis) == 1 and "2026-11-30T17:00:00" <= crisis[0]["at"] <= "2026-11-30T17:20:00", crisis
    assert "rising over the 1 h" in crisis[0]["summary"]
    assert [s["scope"] for s in report.spikes] == ["all"]
    # the routine complaints after it are held, counted, and Marketing & Sales are told so
    assert any(a["kind"] == "spike" and a["receiver"] == "marketing-sales" for a in report.alerts)
    quiet = [m for m in report.mentions if m["external_id"].startswith("q")]
    assert all(m["alerted"] == [] for m in quiet)
    off = cfg.model_copy(update={"policy": cfg.policy.model_copy(update={
        "spikes": cfg.policy.spikes.model_copy(update={"window": None})})})
    late = [a for a in run(off, "slow_outage.jsonl").alerts if a["kind"] == "spike" and a["receiver"] == "crisis"]
    assert len(late) == 1 and late[0]["at"] >= "2026-11-30T18:00:00"


def test_times_with_an_offset_replay_as_the_same_moments_in_utc(cfg: AppConfig) -> None:
    """Judge G, 2026-12-06: a stream written with -08:00 offsets raised no spike for its outage
    (the times were stored as they were written and read back as UTC, eight hours off); the
    same stream in local times with their offset gives the report of the UTC one."""
    from datetime import UTC, datetime, timedelta, timezone

    pacific = timezone(timedelta(hours=-8))

    def local(value: str) -> str:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(pacific).isoformat()

    text = (STREAMS / "outage_after_quiet_day.jsonl").read_text(encoding="utf-8")
    shifted = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            shifted.append(raw)
            continue
        d = json.loads(raw)
        for key in ("created_at", "observed_at", "at"):
            if isinstance(d.get(key), str):
                d[key] = local(d[key])
        shifted.append(json.dumps(d))
    assert "-08:00" in "\n".join(shifted)
    utc_report = replay(cfg, parse_stream(text), classifier=KeywordClassifier()).to_json()
    local_report = replay(cfg, parse_stream("\n".join(shifted)), classifier=KeywordClassifier()).to_json()
    assert utc_report["spikes"], "the outage must raise a spike to compare"
    assert local_report == utc_report
    first = parse_stream(shifted[0])[0]
    assert first.mention.created_at.tzinfo is UTC and first.observed_at.tzinfo is UTC
