"""``scout eval replay --keep DIR`` keeps the replay's database, and ``scout digest preview --now``
shows that week's digest as of the replay's end (judge U, 2026-12-06: a user could not see the
digest of a stream they wrote without calling the Python API and faking the clock)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"


def _line(i: int, text: str, at: str, reach: int = 300) -> str:
    return json.dumps({"source": "x", "external_id": f"k{i}", "url": f"https://x.com/u{i}/status/k{i}", "text": text,
                       "author_handle": f"u{i}", "author_reach": reach, "created_at": at})


def test_a_kept_replay_database_gives_the_weeks_digest(tmp_path: Path) -> None:
    stream = tmp_path / "week.jsonl"
    stream.write_text("\n".join([
        _line(1, "SET SEG denied my claim again, three weeks and no answer", "2026-12-01T15:00:00Z"),
        _line(2, "SET SEG's safety workshop for our bus drivers was excellent, thank you", "2026-12-02T16:00:00Z"),
        _line(3, "SET SEG opens applications for its 2026 safety grant cycle", "2026-12-03T17:00:00Z"),
        # an action after the last post: the digest is as of after it (judge U2, 2026-12-06)
        json.dumps({"action": "claim", "source": "x", "external_id": "k1", "at": "2026-12-03T18:30:00Z",
                    "by": "marcus.ortega"}),
    ]) + "\n", encoding="utf-8")
    keep = tmp_path / "kept"
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "replay", str(stream), "-c", str(EXAMPLE), "--keep", str(keep)])
    assert res.exit_code == 0, res.output
    db = (keep / "eval.db").resolve()
    assert db.is_file() and f"database kept: {db}" in res.output
    # the command to see its digest: the week most of the stream was posted in (Chicago), as of its
    # end, Monday 00:00 CST (judge AG, 2026-12-07: a week's stream ending Sunday night was offered the
    # empty week before it)
    assert ("the digest of 2026-W49, the week most of the stream was posted in, as of the week's end "
            "(what its Monday digest sends; nothing happens after the replay's end)") in res.output
    assert "--week 2026-W49 --now 2026-12-07T06:00:00+00:00 --out digest.html" in res.output
    assert "the week the replay ends in" not in res.output
    res = runner.invoke(app, ["digest", "preview", "-c", str(EXAMPLE), "--week", "2026-W49",
                              "--now", "2026-12-03T20:30:00+00:00", "--text"],
                        env={"BRAND_SCOUT_DATABASE_URL": f"sqlite:///{db}"})
    assert res.exit_code == 0, res.output
    # a week not over says so (judge N, 2026-12-07: a mid-week digest read as the whole week's)
    assert "SET SEG weekly digest 2026-W49 (30 Nov – 06 Dec 2026; so far, as of Thu 03 Dec 14:30 CST)" in res.output
    assert "Mentions:  3" in res.output and "the queue as it is now, 2026-12-03 14:30 CST" in res.output
    assert "SET SEG denied my claim again" in res.output
    # a second replay never overwrites a kept database
    res = runner.invoke(app, ["eval", "replay", str(stream), "-c", str(EXAMPLE), "--keep", str(keep)])
    assert res.exit_code == 2 and "eval.db exists" in res.output
    res = runner.invoke(app, ["digest", "preview", "-c", str(EXAMPLE), "--now", "yesterday"],
                        env={"BRAND_SCOUT_DATABASE_URL": f"sqlite:///{db}"})
    assert res.exit_code == 2 and "--now 'yesterday' is not an ISO time" in res.output


def test_a_source_that_is_no_platform_gets_a_note(tmp_path: Path) -> None:
    """Judge A (2026-12-07): ``source: "hackernews"`` (the platform is ``hn``) replayed without a
    word; its posts got no source weight and no source's filters."""
    stream = tmp_path / "s.jsonl"
    rows = [json.loads(_line(1, "SET SEG denied my claim again", "2026-12-01T15:00:00Z")),
            {**json.loads(_line(2, "Ask HN: anyone used SET SEG's claims API?", "2026-12-01T16:00:00Z")),
             "source": "hackernews"}]
    stream.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "replay", str(stream), "-c", str(EXAMPLE)])
    assert res.exit_code == 0, res.output
    assert "note: line 2: source 'hackernews' is not a platform (x, reddit, mastodon, bluesky, hn, rss, web)" in res.output
    assert "source 'x'" not in res.output


def test_the_digest_offered_is_of_the_week_most_of_the_stream_was_posted_in() -> None:
    """A stream ending early on a Monday: the week before, as of the end (judge I, 2026-12-07), and
    the week just begun so far."""
    from datetime import UTC, datetime

    from connectors.base import Mention
    from monitor.app.evaluation import StreamLine
    from monitor.cli.eval import digest_hint

    def line(at: datetime) -> StreamLine:
        m = Mention(source="x", external_id=str(at.timestamp()), url="https://x.com/a/status/1", text="t",
                    created_at=at)
        return StreamLine(1, m, at)

    lines = [line(datetime(2026, 12, 3, 15, tzinfo=UTC)), line(datetime(2026, 12, 4, 15, tzinfo=UTC)),
             line(datetime(2026, 12, 7, 7, tzinfo=UTC))]
    end = datetime(2026, 12, 7, 8, tzinfo=UTC)
    hint = digest_hint(lines, end, "America/Chicago", Path("/db"), Path("c.yaml"))
    assert "the digest of 2026-W49, the week most of the stream was posted in, as of the replay's end" in hint
    assert "--week 2026-W49 --now 2026-12-07T08:00:00+00:00" in hint
    assert hint.endswith("the week the replay ends in, so far (it is not over): --week 2026-W50 "
                         "--now 2026-12-07T08:00:00+00:00")
