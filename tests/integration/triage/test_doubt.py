"""P4, "when in doubt, leave it out": a post read as a compliment whose confidentiality signal is
under the red threshold but not low (``policy.light.doubt_floor``) is not shared with kudos, a
channel the whole team reads; Legal / Compliance, cleared for its text, are asked to look (judges
S and T, 2026-12-06: leaks dressed as good news reached kudos with their text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import select

from connectors.base import Mention
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.sentiment.confidential import ConfidentialSignal
from monitor.storage.models import Notification
from monitor.triage.process import alert_holds

ROOT = Path(__file__).resolve().parents[3]


class Signals:
    """A confidentiality scorer that gives each text the score its marker names."""

    def score(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> list[ConfidentialSignal]:
        return [ConfidentialSignal("internal documents and plans", 0.42 if "audit" in t else 0.05, 0.5, "ref")
                for t in texts]


def _triaged(containers: Any, clock: FrozenClock, tmp_path: Path, texts: Sequence[str]) -> tuple[Any, Any]:
    """The example's configuration and a container that stored and triaged ``texts`` (external ids
    1, 2 ...), scored by :class:`Signals`."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: Signals()
    posts = [Mention(source="x", external_id=str(i), url=f"https://x.example/{i}", text=text, created_at=clock.now(),
                     author_handle=f"u{i}") for i, text in enumerate(texts, start=1)]
    c.store.add_new_mentions("t", "x", posts, None, now=clock.now())
    c.pipeline.run_once()
    return cfg, c


def _sent(c: Any) -> list[Notification]:
    with c.store.session() as s:
        return list(s.exec(select(Notification).where(Notification.channel == None)))  # noqa: E711


def test_a_compliment_that_may_be_confidential_is_kept_from_kudos_and_legal_is_asked(
        containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    _, c = _triaged(containers, clock, tmp_path, (
        "Great news: the internal audit at SET SEG says the reserves are short but leadership will fix it, thanks",
        "Thanks SET SEG, great workshop today on ladder safety"))
    sent = _sent(c)
    kudos = [n.payload.get("external_id") for n in sent if n.receiver == "kudos"]
    assert kudos == ["2"]  # the plain compliment is shared, the doubtful one is not
    [ask] = [n for n in sent if n.receiver == "legal-compliance"]
    assert ask.kind == "escalation" and ask.payload["action"] == "doubt"
    assert ask.payload["title"].startswith("A post that may be confidential (item #")
    assert ask.payload["title"].endswith("): not shared with kudos")
    assert ask.payload["samples"][0]["external_id"] == "1" and "internal audit" in ask.payload["samples"][0]["text"]
    assert "resembles 'internal documents and plans' (0.42)" in ask.payload["summary"]
    assert not [n for n in sent if n.receiver not in ("kudos", "legal-compliance")]  # green: nobody else


def test_a_complaint_that_may_be_confidential_reaches_the_broad_channel_and_legal_is_asked(
        containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge A, 2026-12-06: a reply posting a password (0.47) and a scout's forward of an unannounced
    rate cut (0.38) went to Marketing & Sales and Legal heard nothing. Legal / Compliance, cleared
    for red, are now asked about every post in doubt. Marketing & Sales keep the text (a reporter
    with 241,000 followers scored 0.38 on the sample: withholding it hid the urgent item's words
    from those who must answer) and are told it may be confidential; Legal can mark it red, which
    rewrites their message without the text."""
    from monitor.delivery.notifiers.base import Outbound
    from monitor.delivery.notifiers.log import render_line

    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: Signals()
    posts = [Mention(source="x", external_id="9", url="https://x.example/9", created_at=clock.now(),
                     author_handle="u9", author_reach=300,
                     text="SET SEG denied my claim again. Their internal audit says the reserves are short, no wonder")]
    c.store.add_new_mentions("t", "x", posts, None, now=clock.now())
    c.pipeline.run_once()
    with c.store.session() as s:
        sent = list(s.exec(select(Notification).where(Notification.channel == None)))  # noqa: E711
    [alert] = [n for n in sent if n.receiver == "marketing-sales"]
    p = alert.payload
    assert alert.kind == "alert" and p["light"] == "yellow" and "internal audit" in p["text"]
    assert ("may be confidential (resembles 'internal documents and plans' (0.42)): Legal / Compliance are "
            "asked to look; do not share it further") in p["reasons"]
    line = render_line(Outbound(key="k", receiver="marketing-sales", kind="alert", payload=p))
    # the alert log says why it is yellow and that it may be confidential (judges V and W, 2026-12-06)
    assert "internal audit" in line and "| yellow: negative sentiment" in line
    assert "| may be confidential (resembles 'internal documents and plans' (0.42)): Legal" in line
    [ask] = [n for n in sent if n.receiver == "legal-compliance"]
    assert ask.payload["action"] == "doubt"
    assert ask.payload["title"] == f"A post that may be confidential (item #{alert.queue_item_id}): shown to Marketing & Sales"
    assert "internal audit" in ask.payload["samples"][0]["text"]  # Legal is cleared for it


def test_a_legal_threat_in_doubt_reaches_legal_once(containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge A (2026-12-07): a customer's legal threat scoring 0.37 reached Legal / Compliance as the
    threat it is and again as "a post that may be confidential". Routed to them already, with its
    text, it is not asked about besides; Marketing & Sales still read that it may be confidential."""
    _, c = _triaged(containers, clock, tmp_path, (
        "SET SEG denied my claim again and my lawyer is filing a lawsuit. Their internal audit says reserves are short",))
    sent = _sent(c)
    legal = [n for n in sent if n.receiver == "legal-compliance"]
    assert [n.payload.get("action") for n in legal] != [] and all(n.payload.get("action") != "doubt" for n in legal)
    assert [n.kind for n in legal] == ["alert"] and "internal audit" in legal[0].payload["text"]
    [team] = [n for n in sent if n.receiver == "marketing-sales"]
    assert any(r.startswith("may be confidential (") for r in team.payload["reasons"]), team.payload["reasons"]


def test_a_member_of_a_red_item_is_no_request_of_its_own(containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge E (2026-12-07): a reply joining an item Legal had marked red raised "mark its item
    red, or answer Not confidential", which no button could answer. A member of a red item reaches
    Legal in the item's update; it asks nothing of its own."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: Signals()
    root = Mention(source="mastodon", external_id="m1", url="https://mastodon.example/m1", created_at=clock.now(),
                   author_handle="pat", text="Heard SET SEG is piloting Project Falcon with three districts")
    reply = Mention(source="mastodon", external_id="m2", url="https://mastodon.example/m2", created_at=clock.now(),
                    author_handle="lee", kind="reply", parent_id="m1", thread_id="m1",
                    text="@pat the audit will show it, I hope SET SEG fixes their process")
    c.store.add_new_mentions("t", "mastodon", [root], None, now=clock.now())
    c.pipeline.run_once()
    c.store.add_new_mentions("t", "mastodon", [reply], "c2", now=clock.now())
    c.pipeline.run_once()
    asks = [n for n in _sent(c) if n.payload.get("action") == "doubt"]
    assert asks == [], [a.payload for a in asks]


def test_a_post_in_doubt_held_back_by_a_live_spike_is_still_put_to_legal(
        containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge H (2026-12-07): "vendor contract lapsed over a $400k billing dispute, lawyers involved",
    posted during an outage, had its Marketing & Sales alert held by the outage's spike, and Legal
    was never asked: only a receiver that was shown the post counted. It sits in their queue all
    the same; Legal is asked."""
    from datetime import timedelta

    from monitor.storage.models import SpikeEvent

    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: Signals()
    with c.store.session() as s:
        s.add(SpikeEvent(key="volume:all:live", kind="volume", scope="all", started_at=clock.now() - timedelta(minutes=20),
                         baseline=2.0, observed=30.0, explanation={"summary": "30 mentions"}))
    posts = [Mention(source="x", external_id="7", url="https://x.example/7", created_at=clock.now(),
                     author_handle="u7", author_reach=300,
                     text="SET SEG portal is down again. Their internal audit says the vendor contract lapsed, awful")]
    c.store.add_new_mentions("t", "x", posts, None, now=clock.now())
    c.pipeline.run_once()
    sent = _sent(c)
    assert not [n for n in sent if n.receiver == "marketing-sales"]  # held back by the live spike
    [ask] = [n for n in sent if n.receiver == "legal-compliance"]
    assert ask.payload["action"] == "doubt"
    assert ask.payload["title"].endswith("shown to Marketing & Sales (in its queue; its alert was held back: inhibited)")


def test_the_rule_is_the_backtests_too() -> None:
    """``alert_holds`` (live and ``scout rules backtest``): only the no-queue, unrestricted receivers
    are held, only from the floor, never for a red post."""
    from datetime import UTC, datetime

    from monitor.domain.decide import MentionView, Router, SentimentView

    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    router = Router(cfg)
    now = datetime(2026, 12, 2, 16, tzinfo=UTC)
    view = MentionView(source="x", external_id="1", text="Love the new SET SEG app, thanks", created_at=now)
    d = router.decide(view, SentimentView("positive", 0.9, False, True), now=now)
    assert d.receivers == ["kudos"]
    kinds = {score: {r: h.kind if h else None for r, h in alert_holds(
        d, group=d.group, now=now, last={}, silences=[], spikes=[], cfg=cfg, red_score=score).items()}
        for score in (None, 0.29, 0.3, 0.6)}
    assert kinds == {None: {"kudos": None}, 0.29: {"kudos": None}, 0.3: {"kudos": "doubt"}, 0.6: {"kudos": "doubt"}}


def test_the_alert_log_names_no_empty_author() -> None:
    """Judge C: a scout's link without an author read "web @ (0 followers)"."""
    from monitor.delivery.notifiers.base import Outbound
    from monitor.delivery.notifiers.log import render_line

    def line(**p: Any) -> str:
        return render_line(Outbound(key="k", receiver="marketing-sales", kind="alert",
                                    payload={"item_id": 1, "light": "yellow", "priority": "normal", "text": "t",
                                             "item_url": "u", **p}))

    assert "web (author unknown: a link an employee forwarded): t" in line(source="web", author="", reach=0)
    assert "x @amy (12 followers): t" in line(source="x", author="amy", reach=12)
    assert "@ (" not in line(source="rss", author=None)


def test_a_neutral_post_that_may_be_confidential_is_recorded_and_legal_is_asked(
        containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge L (2026-12-06): neutral posts giving unannounced rates (0.42) and a regulator's
    subpoena "not in the news yet" (0.52) were green, recorded and told to nobody: the doubt check
    came after "does it reach people". Legal are asked to look, on a recorded item they can mark
    red; nobody else is told."""
    from monitor.queue.actions import QueueActions, actor_for
    from monitor.storage.models import QueueItem

    cfg, c = _triaged(containers, clock, tmp_path, (
        "Heard the SET SEG audit committee meets Friday about the reserves, the letters go out in March",
        "SET SEG board meets Thursday at 10"))
    sent = _sent(c)
    with c.store.session() as s:
        items = list(s.exec(select(QueueItem)))
    [ask] = sent  # Legal only: nobody else hears of either post
    assert ask.receiver == "legal-compliance" and ask.payload["action"] == "doubt"
    assert ask.payload["title"].endswith("): recorded, nobody else was told")
    assert ask.payload["samples"][0]["external_id"] == "1"
    [item] = items  # the plain post is recorded without an item, as before
    assert item.status == "closed" and item.light == "green" and item.close_reason is not None
    assert item.close_reason.startswith("recorded: may be confidential (resembles 'internal documents")
    grace = actor_for(cfg, email="grace.okafor@setseg.example")
    QueueActions(c.store, cfg).override_light(item.id or 0, grace, light="red", reason="unannounced", now=clock.now())
    after = c.store.queue_items()[0][0]
    # open again, Legal's: Grace marked it red, so she has seen it (judge Z)
    assert (after.status, after.assignee) == ("acknowledged", "grace.okafor")


@pytest.mark.parametrize(("kind", "item_light", "held"), [
    ("post", "yellow", None),  # a post of its own sharing the item's link: a compliment for kudos
    ("reply", "yellow", "grouped"),  # a reply in a complaint's thread: part of that conversation
    ("repost", "yellow", "grouped"),
    ("post", "red", "grouped"),  # never pass on a post sharing a red item's link
])
def test_a_compliment_sharing_a_complaints_link_reaches_kudos_but_a_reply_in_its_thread_does_not(
        kind: str, item_light: str, held: str | None) -> None:
    """Judge K (2026-12-06): once a complaint shared an award's news link, every compliment sharing
    it (a 121,000-follower senator's too) was held from kudos as a member of the complaint's item."""
    from monitor.domain.decide import MentionView, Router, SentimentView

    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    view = MentionView(source="x", external_id="9", text="Congratulations SET SEG on the safety award!", created_at=now,
                       kind=kind, links=("https://news.example/award",))
    d = Router(cfg).decide(view, SentimentView("positive", 0.95, False, True), now=now)
    assert d.receivers == ["kudos"]
    holds = alert_holds(d, group=d.group, now=now, last={}, silences=[], spikes=[], cfg=cfg, item_light=item_light)
    assert (holds["kudos"].kind if holds["kudos"] else None) == held


def test_legal_answers_not_confidential_and_the_compliment_is_shared_then(
        containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge W, 2026-12-06: Legal's only answer to "may be confidential" was "Mark red", so a request
    could never be cleared, and a public compliment in doubt never reached kudos. "Not confidential"
    (Legal / Compliance and leads only, once, audited) shares it where its routes send it."""
    from monitor.queue.actions import ActionError, QueueActions, actor_for
    from monitor.storage import read_models as queries

    cfg, c = _triaged(containers, clock, tmp_path, (
        "Great news: the internal audit at SET SEG praised the claims team, thanks to everyone there",))
    item = queries.item_for_mention(c.store, c.store.find_mention("x", "1").id)  # type: ignore[union-attr]
    assert item is not None and item.id is not None and item.light == "green"
    assert queries.doubt_count(c.store, cfg.policy.light.doubt_floor) == 1
    actions = QueueActions(c.store, cfg)
    with pytest.raises(ActionError) as refused:
        actions.not_confidential(item.id, actor_for(cfg, email="marcus.ortega@setseg.example"), reason="", now=clock.now())
    assert refused.value.not_permitted and "only Legal / Compliance decide" in str(refused.value)
    with pytest.raises(ActionError):  # a lead may see red, but Legal decide (judge Z)
        actions.not_confidential(item.id, actor_for(cfg, email="dana.whitfield@setseg.example"), reason="",
                                 now=clock.now())
    grace = actor_for(cfg, email="grace.okafor@setseg.example")
    actions.not_confidential(item.id, grace, reason="praise of an audit we published", now=clock.now())
    shared = [n for n in _sent(c) if n.receiver == "kudos"]
    assert len(shared) == 1 and shared[0].payload["action"] == "shared"
    assert shared[0].payload["reasons"] == ["Grace Okafor: not confidential: praise of an audit we published"]
    assert queries.doubt_count(c.store, cfg.policy.light.doubt_floor) == 0
    [ev] = [e for e in c.store.audit_events("queue_item", str(item.id)) if e.action == "queue.not-confidential"]
    assert (ev.actor, ev.details["reason"], ev.details["score"]) == ("grace.okafor", "praise of an audit we published", 0.42)
    with pytest.raises(ActionError, match="already found not confidential"):
        actions.not_confidential(item.id, grace, reason="", now=clock.now())
    after = queries.item_for_mention(c.store, item.mention_id)
    assert after is not None and after.close_reason == "recorded: green mention shared with its receivers"


def test_a_recorded_post_legal_found_not_confidential_says_so(containers: Any, clock: FrozenClock,
                                                              tmp_path: Path) -> None:
    """Judge Z (2026-12-06): a post in doubt that nobody else was told about read "Closed: recorded:
    may be confidential ... Legal / Compliance asked to look" even after Legal had answered."""
    from monitor.queue.actions import QueueActions, actor_for
    from monitor.storage import read_models as queries

    cfg, c = _triaged(containers, clock, tmp_path, ("SET SEG's internal audit report is out this week",))
    item = queries.item_for_mention(c.store, c.store.find_mention("x", "1").id)  # type: ignore[union-attr]
    assert item is not None and item.id is not None
    assert (item.close_reason or "").startswith("recorded: may be confidential")
    QueueActions(c.store, cfg).not_confidential(item.id, actor_for(cfg, email="grace.okafor@setseg.example"),
                                                reason="", now=clock.now())
    after = queries.item_for_mention(c.store, item.mention_id)
    assert after is not None and after.close_reason == "recorded; Grace Okafor found it not confidential"


class HighSignals:
    """Scores an employee's note about an unannounced rate table over the red threshold."""

    def score(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> list[ConfidentialSignal]:
        return [ConfidentialSignal("unreleased products and prices", 0.70 if "rate table" in t else 0.05, 0.5, "ref")
                for t in texts]


def test_legal_is_told_why_a_note_over_the_threshold_is_not_red(containers: Any, clock: FrozenClock,
                                                                 tmp_path: Path) -> None:
    """Judge Z (2026-12-06): a scout's forward read "resembles 'unreleased products and prices'
    (0.70), under the red threshold 0.55": 0.70 is not under 0.55. A link nobody could read leaves
    the employee's note, which the signal does not make red; Legal's notice says so."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: HighSignals()
    c.pipeline.submit_scout(url="https://example.com/forum/thread/9", note="someone posted SET SEG's unannounced "
                            "2027 rate table on this forum", category="other", urgency="high",
                            submitted_by="sam.rivera@setseg.example", submitter_name="Sam Rivera")
    c.pipeline.run_once()
    [ask] = [n for n in _sent(c) if n.receiver == "legal-compliance" and n.payload.get("action") == "doubt"]
    summary = ask.payload["summary"]
    assert "under the red threshold" not in summary
    assert ("resembles 'unreleased products and prices' (0.70) (the red threshold is 0.55, but this is an "
            "employee's note on a post that could not be read: a note is not made red)") in summary
    assert summary.endswith(": mark its item red, or answer Not confidential.")


def test_the_doubt_words_name_the_organisations_legal_team(containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """Judge C (2026-12-07): a library whose ``organisation.legal_team`` is "Legal & Privacy Office"
    read "Legal / Compliance are asked to look" in the alerts its Patron Communications team got,
    and in the hold reason of a compliment kept from kudos."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    org = cfg.organisation.model_copy(update={"legal_team": "Legal & Privacy Office"})
    c = containers(cfg=cfg.model_copy(update={"organisation": org}))
    c.pipeline.triage.scorer = lambda: Signals()
    posts = [Mention(source="x", external_id=str(i), url=f"https://x.example/{i}", created_at=clock.now(),
                     author_handle=f"u{i}", text=text) for i, text in enumerate((
                         "SET SEG denied my claim again. Their internal audit says the reserves are short",
                         "Great news: the internal audit at SET SEG says the reserves are fine, thanks"), start=1)]
    c.store.add_new_mentions("t", "x", posts, None, now=clock.now())
    c.pipeline.run_once()
    [alert] = [n for n in _sent(c) if n.receiver == "marketing-sales" and n.kind == "alert"]
    assert any(r.endswith("Legal & Privacy Office are asked to look; do not share it further")
               for r in alert.payload["reasons"])
    held = [e.details for e in c.store.audit_events(object_type="queue_item") if e.action.startswith("alert.")]
    assert held and all("Legal / Compliance" not in str(d) for d in held)
    assert any("Legal & Privacy Office is asked to look" in str(d) for d in held)


def test_a_news_article_asks_legal_only_at_the_red_threshold(containers: Any, clock: FrozenClock, tmp_path: Path) -> None:
    """A feed's article is printed for everyone: under the red threshold it is no request for Legal
    (2026-12-07, the demo: "SET SEG names new chief executive" at 0.41 and a phone system upgrade at
    0.31 were put to Legal as "may be confidential"); from the threshold on it still is, as before.
    A social post at the same score is asked about, as before; the web's count of open requests
    and the rule agree."""
    from monitor.storage import read_models
    from monitor.triage.process import in_doubt

    cfg = load_config(ROOT / "config" / "example.yaml", env={"BRAND_SCOUT__DATA_DIR": str(tmp_path)})
    light = cfg.policy.light
    assert light.red_model_threshold is not None and light.doubt_floor is not None
    assert light.doubt_floor_for("article") == light.red_model_threshold
    assert light.doubt_floor_for("post") == light.doubt_floor == light.doubt_floor_for(None)
    assert not in_doubt(cfg, 0.42, "green", "article") and in_doubt(cfg, 0.42, "green", "post")
    assert in_doubt(cfg, light.red_model_threshold, "green", "article")
    c = containers(cfg=cfg)
    c.pipeline.triage.scorer = lambda: Signals()
    # a complaint term: both are yellow items, for Marketing & Sales whatever Legal are asked
    text = "SET SEG names new chief executive after internal audit; a lawsuit over board pay is pending"
    posts = [Mention(source="rss", external_id="https://news.example/a1", url="https://news.example/a1", text=text,
                     created_at=clock.now(), author_handle="news.example", kind="article"),
             Mention(source="x", external_id="p1", url="https://x.example/p1", created_at=clock.now(),
                     text="The SET SEG internal audit says the lawsuit will cost more than the board admits",
                     author_handle="u1")]
    c.store.add_new_mentions("t", "mixed", posts, None, now=clock.now())
    c.pipeline.run_once()
    asks = [n.payload["samples"][0]["external_id"] for n in _sent(c) if n.receiver == "legal-compliance"]
    assert asks == ["p1"]
    assert read_models.doubt_count(c.store, light.doubt_floor, light.doubt_floor_for("article")) == 1
    assert read_models.doubt_count(c.store, light.doubt_floor) == 2  # the floor alone counts the article too
    assert {it.light for it, _ in c.store.queue_items()} == {"yellow"}
