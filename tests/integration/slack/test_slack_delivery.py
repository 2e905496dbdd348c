"""Slack delivery through the real outbox against the fake Slack Web API on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from monitor.app.container import Container
from monitor.clock import FrozenClock, utc
from monitor.config import AppConfig
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.slack import SlackNotifier
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage.models import Notification, QueueItem
from tests.fakes.slack import TOKEN, FakeSlack
from tests.integration.slack.conftest import play


def dump(msg: dict[str, Any]) -> str:
    return json.dumps({"text": msg.get("text"), "blocks": msg.get("blocks")}, ensure_ascii=False)


def item(c: Container, group: str) -> QueueItem:
    with c.store.session() as s:
        return s.exec(select(QueueItem).where(QueueItem.group_key == group)).one()


def test_alert_content_per_light_and_receiver(containers: Callable[..., Container], clock: FrozenClock,
                                              fake_slack: FakeSlack) -> None:
    c = containers()
    play(c, clock, 30)
    c.pipeline.run_once()
    assert all(n.status == "sent" for n in c.store.notifications())
    assert all(call.auth == f"Bearer {TOKEN}" for call in fake_slack.calls)
    legal = fake_slack.history("#legal")
    broad = fake_slack.history("#marketing-sales")
    kudos = fake_slack.history("#kudos")
    # red: full text and reasons only in the restricted channel; the broad channel gets a notice
    assert len(legal) == 1 and "Project Falcon" in dump(legal[0]) and "Why you see this" in dump(legal[0])
    red_notice = [m for m in broad if "RED" in dump(m)]
    assert len(red_notice) == 1
    assert "Project Falcon" not in dump(red_notice[0]) and "Why you see this" not in dump(red_notice[0])
    assert "restricted queue" in dump(red_notice[0])
    # a broad channel is not even led to the post: no link, no author (receivers[].broad)
    assert "leaky" not in dump(red_notice[0]) and "Author:" not in dump(red_notice[0])
    assert "leaky" in dump(legal[0])
    # green compliment goes to kudos with its text; yellow complaint has buttons and facts
    assert len(kudos) == 1 and "paid my claim" in dump(kudos[0])
    yellow = next(m for m in broad if "YELLOW" in dump(m))
    actions = next(b for b in yellow["blocks"] if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == ["bs_claim", "bs_ack", "bs_respond", "bs_close", "bs_feedback", "bs_open"]
    assert actions["elements"][-1]["url"].endswith(f"/queue/{item(c, 'x:2').id}")
    body = dump(yellow)
    assert "54,000 followers" in body and "negative" in body and "90% confident" in body
    assert "Why you see this" in body and "Respond by" in body
    # every message carries its idempotency key, and the ref is channel:ts
    for n in c.store.notifications():
        cid, ts = (n.external_ref or "").split(":")
        msg = next(m for m in fake_slack.history(cid) if m["ts"] == ts)
        assert msg["metadata"] == {"event_type": "brand_scout_alert",
                                   "event_payload": {"key": n.idempotency_key, "kind": n.kind,
                                                     "item_id": n.queue_item_id or 0}}
        assert msg["text"]  # the notification fallback


def test_injection_strings_cannot_ping_link_or_break(containers: Callable[..., Container], clock: FrozenClock,
                                                     fake_slack: FakeSlack) -> None:
    c = containers()
    play(c, clock, 30)
    c.pipeline.run_once()
    yellow = next(m for m in fake_slack.history("#marketing-sales") if "YELLOW" in dump(m))
    texts = [yellow["text"]] + [json.dumps(b, ensure_ascii=False) for b in yellow["blocks"]]
    everything = "\n".join(texts)
    for bad in ("<!channel>", "<!here>", "<@U0ANNA01>", "<#C0SECRET>", "<http://evil", "<@U1>", "```",
                "\u202e", "\x07", "\x1b"):
        assert bad not in everything, bad
    for word in ("@channel", "@here", "@everyone"):
        assert word not in everything.replace("\\u200d", "\u200d")
    assert "&lt;!channel&gt;" in everything and "@\u200dchannel" in everything and "&amp;" in everything
    # the only links are ours (the source link and the queue link)
    for b in yellow["blocks"]:
        for t in [b.get("text", {}).get("text", "")] + [e.get("text", "") for e in b.get("elements", [])
                                                         if isinstance(e, dict) and e.get("type") == "mrkdwn"]:
            for part in t.split("<")[1:]:
                assert part.startswith(("https://", "http://", "!date^")), t


def test_long_text_is_cut_with_a_link_to_the_full_item() -> None:
    from monitor.delivery.slack_blocks import cut_text

    text, cut = cut_text("a&b " * 500, 300, "https://bs.example/queue/7")
    assert cut and "Read the full text in the queue" in text and "<https://bs.example/queue/7|" in text
    body = text.split("…")[0]
    assert len(body) <= 300 and not body.endswith(("&", "&a", "&am", "&amp"))


def _alerted_complaint(c: Container, clock: FrozenClock) -> tuple[QueueItem, Notification, str, str]:
    """The replayed sample's complaint (group ``x:2``) once alerted to Marketing & Sales: its
    item, its first alert and where that alert was posted (channel id, ts)."""
    play(c, clock, 30)
    c.pipeline.run_once()
    complaint = item(c, "x:2")
    parent = next(n for n in c.store.notifications(kind="alert")
                  if n.queue_item_id == complaint.id and n.receiver == "marketing-sales")
    cid, ts = (parent.external_ref or "").split(":")
    return complaint, parent, cid, ts


def test_updates_thread_and_state_changes_update_the_first_alert(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    c = containers()
    complaint, _, cid, ts = _alerted_complaint(c, clock)
    # a spokesperson claims it: the first alert shows it, and the thread records it
    anna = actor_for(c.cfg, slack_user_id="U0ANNA01")
    QueueActions(c.store, c.cfg).claim(complaint.id or 0, anna, now=clock.now())
    c.pipeline.run_once()
    updates = fake_slack.posted("chat.update")
    assert [(u.args["channel"], u.args["ts"]) for u in updates] == [(cid, ts)]
    assert "Claimed by Anna Berg" in json.dumps(updates[0].args["blocks"])
    first = next(m for m in fake_slack.history(cid) if m["ts"] == ts)
    assert "Claimed by Anna Berg" in dump(first)
    assert "bs_claim" not in dump(first)  # no second claim button
    replies = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts]
    assert len(replies) == 1 and "Claimed by Anna Berg" in replies[0]["text"]
    # a repost five hours later is no news to a channel told of the item (judge T, 2026-12-07: each
    # retweet was a thread message of its own): no thread message, no channel message, in the history
    clock.advance(timedelta(hours=5))
    c.pipeline.poll("replay")
    c.pipeline.run_once()
    replies = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts]
    assert len(replies) == 1
    assert len([m for m in fake_slack.history(cid) if not m.get("thread_ts")]) == 2  # yellow + red notice
    held = [e.details.get("reason", "") for e in c.store.audit_events("queue_item", str(complaint.id))
            if e.action == "alert.repeat"]
    assert any(r.startswith("a repost of a post in this item") for r in held), held
    # closing with a reason shows on the first message too
    QueueActions(c.store, c.cfg).close(complaint.id or 0, anna, reason="resolved <!here> by support",
                                       now=clock.now())
    c.pipeline.run_once()
    first = next(m for m in fake_slack.history(cid) if m["ts"] == ts)
    assert "Closed by Anna Berg" in dump(first) and "&lt;!here&gt;" in dump(first)
    assert "bs_respond" not in dump(first) and "bs_open" in dump(first)


def test_later_members_rewrite_the_groups_message_in_place_and_keep_its_state(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """A group_interval update of members (``members_update``): the group's first message says
    how many posts it holds now, rewritten in place with its state line kept, and the thread
    shows the newest member; the channel gets no new message."""
    c = containers()
    complaint, parent, cid, ts = _alerted_complaint(c, clock)
    QueueActions(c.store, c.cfg).claim(complaint.id or 0, actor_for(c.cfg, slack_user_id="U0ANNA01"), now=clock.now())
    c.pipeline.run_once()
    top = len([m for m in fake_slack.history(cid) if not m.get("thread_ts")])
    for count in (3, 4):
        with c.store.session() as s:
            c.store.enqueue(s, key=f"members:marketing-sales:{complaint.id}:{count}", receiver="marketing-sales",
                            kind="update", queue_item_id=complaint.id, now=clock.now(),
                            payload={**parent.payload, "text": f"me too ({count})", "mention_count": count,
                                     "members_update": True})
        c.pipeline.run_once()
    first = next(m for m in fake_slack.history(cid) if m["ts"] == ts)
    assert "4 posts in this group" in dump(first) and "3 posts in this group" not in dump(first)
    # its state and buttons stay (a claim acknowledges: Responded remains, Acknowledge is gone)
    assert "Claimed by Anna Berg" in dump(first) and "bs_respond" in dump(first) and "bs_ack" not in dump(first)
    replies = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts]
    assert "Another mention in this group (4 so far)" in dump(replies[-1]) and "me too (4)" in dump(replies[-1])
    assert len([m for m in fake_slack.history(cid) if not m.get("thread_ts")]) == top


def _order(c: Container) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with c.store.session() as s:
        for n in s.exec(select(Notification).order_by(Notification.id)).all():  # type: ignore[arg-type]
            out.setdefault(n.receiver, []).append(n.idempotency_key)
    return out


def _posted_keys(fake: FakeSlack) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cid, msgs in fake.messages.items():
        out[cid] = [m["metadata"]["event_payload"]["key"] for m in msgs]
    return out


def test_rate_limit_and_outage_no_duplicate_no_loss_in_order(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    c = containers()
    play(c, clock, 30)
    assert c.pipeline.process() > 0
    fake_slack.fail(status=429, error="ratelimited", retry_after=7, times=100)
    assert c.pipeline.deliver() == 0
    pending = c.store.notifications(status="pending")
    assert pending and all(n.last_error and "rate limited" in n.last_error for n in pending if n.attempts)
    assert all(TOKEN not in (n.last_error or "") for n in pending)
    tried = [n for n in pending if n.attempts]
    assert tried and all(n.next_attempt_at is not None and
                         n.next_attempt_at.replace(tzinfo=clock.now().tzinfo) >= clock.now() + timedelta(seconds=7)
                         for n in tried)
    assert c.pipeline.deliver() == 0  # not due yet: Retry-After honoured, Slack not called again
    fake_slack.failures.clear()
    fake_slack.down()
    clock.advance(timedelta(seconds=30))
    assert c.pipeline.deliver() == 0
    assert all("cannot reach Slack" in (n.last_error or "") for n in c.store.notifications(status="pending")
               if n.attempts >= 2)
    fake_slack.up()
    for _ in range(10):
        clock.advance(timedelta(minutes=15))
        c.pipeline.deliver()
    assert {n.status for n in c.store.notifications()} == {"sent"}
    expected = _order(c)
    posted = _posted_keys(fake_slack)
    flat = [k for keys in posted.values() for k in keys]
    assert len(flat) == len(set(flat)) == sum(len(v) for v in expected.values())  # no duplicate, no loss
    cid_of = {r.name: fake_slack.channel_id(r.slack.channel) for r in c.cfg.receivers if r.slack}
    for receiver, keys in expected.items():
        assert posted[cid_of[receiver]] == keys  # in order


def test_retry_handler_honours_retry_after_within_one_call(
        containers: Callable[..., Container], slack_cfg: Callable[..., AppConfig], clock: FrozenClock,
        fake_slack: FakeSlack) -> None:
    c = containers(slack_cfg(max_retries=1))
    play(c, clock, 30)
    c.pipeline.process()
    fake_slack.fail(status=429, error="ratelimited", retry_after=1, times=1)
    started = time.monotonic()
    sent = c.pipeline.deliver()
    assert time.monotonic() - started >= 1.0
    assert sent == len(c.store.notifications()) and {n.attempts for n in c.store.notifications()} == {1}


class CrashAfterSend(SlackNotifier):
    """Posts, then dies before the outbox records the delivery."""

    crash = True

    def send(self, msg: Outbound) -> str | None:
        ref = super().send(msg)
        if self.crash:
            self.crash = False
            raise KeyboardInterrupt("simulated crash after the post")
        return ref


def test_crash_mid_send_is_reconciled_from_metadata(
        containers: Callable[..., Container], slack_cfg: Callable[..., AppConfig], clock: FrozenClock,
        fake_slack: FakeSlack) -> None:
    cfg = slack_cfg()
    c = containers(cfg, notifiers={"slack": CrashAfterSend.from_config(cfg)})
    play(c, clock, 30)
    c.pipeline.process()
    with pytest.raises(KeyboardInterrupt):
        c.pipeline.deliver()
    assert [n.status for n in c.store.notifications()].count("sending") >= 1
    c2 = containers(cfg)  # the restarted process
    clock.advance(timedelta(minutes=3))  # past the lease of the row left in "sending"
    c2.pipeline.run_once()
    assert {n.status for n in c2.store.notifications()} == {"sent"}
    assert fake_slack.posted("conversations.history")
    flat = [k for keys in _posted_keys(fake_slack).values() for k in keys]
    assert len(flat) == len(set(flat)) == len(c2.store.notifications())


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found", "not_in_channel"])
def test_permanent_errors_fail_without_the_token(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack, error: str) -> None:
    c = containers()
    play(c, clock, 30)
    c.pipeline.process()
    fake_slack.fail(error=error, method="chat.postMessage", times=1)
    c.pipeline.deliver()
    failed = c.store.notifications(status="failed")
    assert len(failed) == 1 and error in (failed[0].last_error or "") and TOKEN not in (failed[0].last_error or "")


def test_server_error_is_recoverable(containers: Callable[..., Container], clock: FrozenClock,
                                     fake_slack: FakeSlack) -> None:
    c = containers()
    play(c, clock, 30)
    c.pipeline.process()
    fake_slack.fail(status=500, error="internal_error", times=100)
    c.pipeline.deliver()
    assert not c.store.notifications(status="failed") and not c.store.notifications(status="sent")
    fake_slack.failures.clear()
    clock.advance(timedelta(hours=1))
    c.pipeline.run_once()
    assert {n.status for n in c.store.notifications()} == {"sent"}


def test_a_spike_message_is_rewritten_in_place_with_what_it_held_back(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """Issue 15: what a live spike holds back is counted in the spike's own message, updated in
    place (chat.update on the same ts), not posted as new crisis messages."""
    from monitor.storage.models import SpikeEvent
    from monitor.triage.jobs import _announce_held

    c = containers()
    now = clock.now()
    with c.store.session() as s:
        s.add(SpikeEvent(key="volume:all:t0", kind="volume", scope="all", started_at=now, baseline=1.0,
                         observed=20.0, explanation={"summary": "20 mentions against a usual 1"}))
        c.store.enqueue(s, key="spike:volume:all:t0", receiver="crisis", kind="spike", now=now,
                        payload={"title": "Spike: 20 mentions against a usual 1", "summary": "20 mentions"})
    c.pipeline.run_once()
    assert len([m for m in fake_slack.posted() if "Spike" in str(m.args.get("text"))]) == 1
    cid = fake_slack.channel_id("#crisis")
    ts = next(m["ts"] for m in fake_slack.history(cid))
    # three routine alerts about two items are held by the spike (as the triage stage audits them)
    with c.store.session() as s:
        for item_id in ("11", "11", "12"):
            c.store.audit(s, actor="brand-scout", action="alert.inhibited", object_type="queue_item",
                          object_id=item_id, details={"reason": "covered", "ref": "volume:all:t0"}, now=now)
        spike = s.exec(select(SpikeEvent)).one()
        _announce_held(c, s, [spike], now)
    c.pipeline.run_once()
    updates = fake_slack.posted("chat.update")
    assert [(u.args["channel"], u.args["ts"]) for u in updates] == [(cid, ts)]
    assert "3 routine alert(s) about 2 item(s) held back" in json.dumps(updates[0].args["blocks"])
    assert len([m for m in fake_slack.history(cid) if not m.get("thread_ts")]) == 1  # still one message
    # the same count again announces nothing
    with c.store.session() as s:
        _announce_held(c, s, [s.exec(select(SpikeEvent)).one()], now)
    c.pipeline.run_once()
    assert len(fake_slack.posted("chat.update")) == 1


def test_crash_reconciliation_reads_past_the_first_page_of_a_busy_channel(
        containers: Callable[..., Container], slack_cfg: Callable[..., AppConfig], clock: FrozenClock,
        fake_slack: FakeSlack) -> None:
    """Found by the crash soak: a message posted before a kill, then more than a page of newer
    messages in its channel before the restart; the key must still be found (history is paged)."""
    cfg = slack_cfg(history_limit=5, history_pages=10)
    c = containers(cfg, notifiers={"slack": CrashAfterSend.from_config(cfg)})
    play(c, clock, 30)
    c.pipeline.process()
    with pytest.raises(KeyboardInterrupt):
        c.pipeline.deliver()
    left = [n for n in c.store.notifications() if n.status == "sending"]
    assert left
    notifier = SlackNotifier.from_config(cfg)
    for name in ("#marketing-sales", "#legal", "#kudos"):
        for i in range(12):  # twelve newer messages in every channel: more than two pages of five
            notifier._call("chat.postMessage", channel=fake_slack.channel_id(name), text=f"chatter {i}")
    c2 = containers(cfg)
    clock.advance(timedelta(minutes=3))
    c2.pipeline.run_once()
    keys = [m["metadata"]["event_payload"]["key"] for msgs in fake_slack.messages.values() for m in msgs
            if m.get("metadata")]
    assert len(keys) == len(set(keys)) == len(c2.store.notifications())  # each once, none twice
    assert any(call.args.get("cursor") for call in fake_slack.posted("conversations.history"))  # it paged


def test_an_item_overridden_to_red_takes_its_text_out_of_the_broad_channels(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """A compliment shared with kudos that a spokesperson overrides to red: its message in kudos is
    rewritten as a red item's notice (no text, author, link, reasons or buttons), and Legal is told."""
    c = containers()
    play(c, clock, 30)
    c.pipeline.run_once()
    (shared,) = fake_slack.history("#kudos")
    assert "paid my claim" in dump(shared)
    parent = next(n for n in c.store.notifications(kind="alert") if n.receiver == "kudos")
    spokesperson = actor_for(c.cfg, slack_user_id="U0ANNA01")
    QueueActions(c.store, c.cfg).override_light(parent.queue_item_id or 0, spokesperson, light="red",
                                                reason="names a member's claim file", now=clock.now())
    c.pipeline.run_once()
    first = next(m for m in fake_slack.history("#kudos") if m["ts"] == shared["ts"])
    body = dump(first)
    assert "paid my claim" not in body and "Why you see this" not in body and "Author:" not in body
    assert "RED" in body and "restricted queue" in body and "bs_respond" not in body
    assert any("marked red" in dump(m) for m in fake_slack.history("#legal"))


def test_a_campaigns_copy_shows_in_the_thread_as_one_line(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """A later member that repeats the first alert's words by another account (a copy-paste
    campaign, grouped by ``by_campaign``) shows in the thread as "The same words again", with its
    author and link, not the same text once more; other words stay "Another mention"."""
    c = containers()
    complaint, parent, cid, ts = _alerted_complaint(c, clock)
    words = str(parent.payload["text"])
    copies = [({"text": f"{words} #FixIt", "author": "copycat1"}, "The same words again"),
              ({"text": "a different complaint about the same portal, also slow", "author": "someone"},
               "Another mention in this group")]
    for n, (changes, title) in enumerate(copies, start=2):
        with c.store.session() as s:
            c.store.enqueue(s, key=f"alert:marketing-sales:{complaint.id}:copy{n}", receiver="marketing-sales",
                            kind="update", queue_item_id=complaint.id, now=clock.now(),
                            payload={**parent.payload, **changes, "mention_count": n})
        c.pipeline.run_once()
        reply = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts][-1]
        assert title in dump(reply), dump(reply)
        assert f"@{changes['author']}" in dump(reply)
    same, other = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts][-2:]
    assert words[:40] not in dump(same) and "copy-paste campaign" in dump(same)
    assert "different complaint" in dump(other)


@pytest.mark.parametrize(("first", "later", "same"), [
    ({"text": "SET SEG denied my claim again, sign the petition now", "author": "a"},
     {"text": "SET SEG denied my claim again, sign the petition now #fix @setseg", "author": "b"}, True),
    ({"text": "SET SEG denied my claim again, sign the petition now", "author": "a"},
     {"text": "SET SEG denied my claim again, sign the petition now", "author": "a"}, False),  # the same account
    ({"text": "thank you SET SEG!", "author": "a"}, {"text": "thank you SET SEG!", "author": "b"}, False),  # short
    ({"text": "SET SEG denied my claim again, sign the petition now", "author": "a"},
     {"text": "SET SEG paid my claim at last, thank you all", "author": "b"}, False),
    (None, {"text": "anything at all here for the test", "author": "b"}, False),
    ({"text": None, "author": "a"}, {"text": "anything at all here for the test", "author": "b"}, False),  # red
])
def test_same_words(first: dict[str, Any] | None, later: dict[str, Any], same: bool) -> None:
    from monitor.delivery.notifiers.slack import same_words

    assert same_words(first, later) is same


def test_marking_an_item_red_takes_the_posts_out_of_its_thread_too(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """Judge T (2026-12-06): after Grace marked an item red, its first alert was rewritten but a
    thread reply still showed a member's post in the broad Marketing & Sales channel."""
    c = containers()
    complaint, parent, cid, ts = _alerted_complaint(c, clock)
    with c.store.session() as s:
        c.store.enqueue(s, key=f"alert:marketing-sales:{complaint.id}:m2", receiver="marketing-sales",
                        kind="update", queue_item_id=complaint.id, now=clock.now(),
                        payload={**parent.payload, "text": "RT: the member districts were overcharged 40%",
                                 "author": "union", "mention_count": 2})
    c.pipeline.run_once()
    assert any("overcharged 40%" in dump(m) for m in fake_slack.history(cid) if m.get("thread_ts") == ts)
    QueueActions(c.store, c.cfg).override_light(complaint.id or 0, actor_for(c.cfg, slack_user_id="U0ANNA01"),
                                                light="red", reason="a member's contract terms", now=clock.now())
    c.pipeline.run_once()
    thread = [m for m in fake_slack.history(cid) if m.get("thread_ts") == ts or m["ts"] == ts]
    assert not any("overcharged 40%" in dump(m) for m in thread)
    assert any("belongs to a red item now" in dump(m) for m in thread)
    first = next(m for m in thread if m["ts"] == ts)
    assert str(parent.payload["text"])[:30] not in dump(first)


def test_a_red_item_cleared_by_a_person_is_no_longer_red_in_the_broad_channel(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """Judge T (2026-12-06): Legal set an item from red back to yellow; Marketing & Sales' first
    alert still read "RED ... its text is shown only in the restricted queue", with no buttons."""
    c = containers()
    play(c, clock, 30)
    c.pipeline.run_once()
    [notice] = [m for m in fake_slack.history("#marketing-sales") if "restricted queue" in dump(m)]
    red_id = next(n.queue_item_id for n in c.store.notifications(kind="alert")
                  if n.receiver == "marketing-sales" and n.payload.get("light") == "red")
    lead = actor_for(c.cfg, slack_user_id="U0ANNA01")
    QueueActions(c.store, c.cfg).override_light(red_id or 0, lead, light="yellow", reason="the name was public",
                                                now=clock.now())
    c.pipeline.run_once()
    first = next(m for m in fake_slack.history("#marketing-sales") if m["ts"] == notice["ts"])
    body = dump(first)
    assert "YELLOW" in body and "No longer red: Anna Berg cleared it" in body and "bs_respond" in body
    assert "Project Falcon" not in body  # the post comes in the message that says it was cleared


def test_a_sentiment_correction_reprices_the_slack_message(
        containers: Callable[..., Container], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """Judge T (2026-12-06): Dana corrected a sentiment to positive; Slack still said "high" and the
    old respond-by time while the web said normal and a later one."""
    c = containers()
    complaint, _, cid, ts = _alerted_complaint(c, clock)
    QueueActions(c.store, c.cfg).correct_sentiment(complaint.id or 0, actor_for(c.cfg, slack_user_id="U0ANNA01"),
                                                   label="positive", now=clock.now())
    c.pipeline.run_once()
    after = item(c, "x:2")
    assert after.due_at is not None
    first = next(m for m in fake_slack.history(cid) if m["ts"] == ts)
    assert f"· {after.priority} ·" in dump(first)
    assert f"<!date^{int(utc(after.due_at).timestamp())}^" in dump(first)  # its respond-by is the item's now
    [state] = [n for n in c.store.notifications(kind="state") if n.payload.get("action") == "sentiment"
               and n.receiver == "marketing-sales"]
    assert state.payload["priority"] == after.priority and state.payload["sentiment"] == "positive"
    assert any("Sentiment corrected to positive by Anna Berg" in dump(m) for m in fake_slack.history(cid)
               if m.get("thread_ts") == ts)
