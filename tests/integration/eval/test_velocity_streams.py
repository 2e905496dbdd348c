"""Velocity from two readings of the same post, through ``scout eval replay`` (issue: velocity;
P5: a red post's text never reaches the crisis channel, which is not restricted).

The stream ``streams/velocity_reobserved.jsonl`` sees each post twice, as a connector polling
again would: ``rise1`` gains 1,200 engagements in the 45 minutes between its readings, ``slow1``
gains 30 in 45 minutes, and ``leak1`` (a watch-list term: red) gains 2,000 in 45 minutes. The
texts are plain complaints, so the shipped model's reading of them is not what is tested.

The report lists a post once, on its first line; a later line of the same post is a reading
(``"reading": 2, "first_line": n``), counted apart from the mentions and never scored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]
STREAM = Path(__file__).parent / "streams" / "velocity_reobserved.jsonl"
EXAMPLE = ROOT / "config" / "example.yaml"
LEAK_TEXT = "Leaked: SET SEG will launch ClaimPilot next spring. Internal only, do not share."


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("velocity") / "report.json"
    result = CliRunner().invoke(app, ["eval", "replay", str(STREAM), "--config", str(EXAMPLE), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _spike_alerts(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in report["alerts"] if a["kind"] == "spike"]


def test_a_post_gaining_1200_between_two_readings_is_one_velocity_spike_naming_it(report: dict[str, Any]) -> None:
    named = [a for a in _spike_alerts(report) if a["external_ids"] == ["rise1"]]
    assert len(named) == 1 and named[0]["receiver"] == "crisis"
    summary = named[0]["summary"]
    assert "https://mastodon.example/@angryteacher/rise1" in summary and " by angryteacher " in summary
    assert "4 -> 1204 in 0.8 h" in summary  # between the two readings, not from posting time
    assert [s["scope"] for s in report["spikes"] if s["kind"] == "velocity"].count("mastodon") == 1
    assert next(s for s in report["spikes"] if s["scope"] == "mastodon")["observed"] == pytest.approx(1600.0)


def test_a_post_gaining_30_between_two_readings_raises_nothing(report: dict[str, Any]) -> None:
    assert not [a for a in _spike_alerts(report) if "slow1" in a["external_ids"] or "slow1" in a["summary"]]


def test_a_red_viral_post_alerts_crisis_without_its_text_link_or_author(report: dict[str, Any]) -> None:
    leak = next(m for m in report["mentions"] if m["external_id"] == "leak1")
    assert leak["light"] == "red" and "legal-compliance" in leak["alerted"]
    notices = [a for a in _spike_alerts(report) if "restricted" in a["summary"]]
    assert len(notices) == 1 and notices[0]["receiver"] == "crisis"
    notice = notices[0]
    assert notice["external_ids"] == []  # no sample post
    assert f"item #{leak['item_id']}" in notice["summary"]
    for secret in ("ClaimPilot", "Internal only", "leak1", "leaker", "https://x.example", LEAK_TEXT):
        assert secret not in json.dumps(notice), secret
    assert report["score"]["red_text_to_broad_receivers"] == 0


def test_exactly_two_velocity_spikes_and_each_reading_is_one_mention(report: dict[str, Any]) -> None:
    assert sorted(s["scope"] for s in report["spikes"]) == ["mastodon", "x"]
    assert all(s["kind"] == "velocity" for s in report["spikes"])
    # two to the crisis channel, and Legal hears of the red one (with the post: it is restricted)
    assert sorted(a["receiver"] for a in _spike_alerts(report)) == ["crisis", "crisis", "legal-compliance"]
    # a second reading is the same stored mention: reported once, on its first line; the later
    # line is a reading of it, never a second mention or item
    posts = [m for m in report["mentions"] if not m.get("reading")]
    readings = [m for m in report["mentions"] if m.get("reading")]
    assert sorted(m["external_id"] for m in posts) == ["leak1", "rise1", "slow1"]
    first = {m["external_id"]: m["line"] for m in posts}
    assert sorted((m["external_id"], m["reading"], m["first_line"] == first[m["external_id"]]) for m in readings) == [
        ("leak1", 2, True), ("rise1", 2, True), ("slow1", 2, True)]
    assert report["score"]["mentions"] == report["score"]["stored"] == 3
    assert report["score"]["later_readings"] == 3
    mention_alerts = [a for a in report["alerts"] if a["kind"] == "mention"]
    # a reading that grew past velocity_min_engagement is decided again; only rise1's priority
    # rose (urgent from its velocity), so only it alerts Marketing & Sales a second time
    assert sorted(a["external_ids"][0] for a in mention_alerts if a["receiver"] == "marketing-sales") == [
        "leak1", "rise1", "rise1", "slow1"]


def test_a_post_going_viral_between_readings_is_decided_again_and_its_priority_rises(
        report: dict[str, Any]) -> None:
    rise = next(m for m in report["mentions"] if m["external_id"] == "rise1" and not m.get("reading"))
    assert rise["priority"] == "urgent"  # 1,600 engagements per hour between the readings
    again = [a for a in report["alerts"] if a["kind"] == "mention" and a["external_ids"] == ["rise1"]]
    assert [a["at"] for a in again] == ["2026-11-30T15:06:00+00:00", "2026-11-30T15:50:00+00:00"]
    assert len({a["item_id"] for a in again}) == 1  # the same item, one member: it rose
    ladder = [a for a in report["alerts"] if a["kind"] == "ladder" and a["item_id"] == rise["item_id"]]
    assert ladder and ladder[0]["at"] == "2026-11-30T16:50:00+00:00"  # urgent: due 1 h after the rise
    slow = next(m for m in report["mentions"] if m["external_id"] == "slow1" and not m.get("reading"))
    assert slow["priority"] != "urgent"
