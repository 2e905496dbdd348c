"""The crash test extended to PagerDuty and the signed webhook: the process dies after a target
received a message but before the outbox recorded it. Nothing is lost, and nothing is acted on
twice: the re-send after the lease carries the same ``dedup_key`` (one incident, one page) and the
same ``Idempotency-Key`` (the consumer processes it once)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.delivery.notifiers.base import Notifier, Outbound
from monitor.delivery.notifiers.pagerduty import PagerDutyNotifier
from monitor.delivery.notifiers.webhook import WebhookNotifier
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.webhook import FakeWebhook


@pytest.fixture
def delivery_db(db_url: str) -> str:
    """These run on SQLite and PostgreSQL (the outbox's fan-out and leases on both)."""
    return db_url


class DiesAfterSend:
    """The real notifier at the port, but the process "dies" (KeyboardInterrupt, which the outbox
    does not catch) right after the first send went out, before the outbox records it."""

    def __init__(self, inner: Notifier) -> None:
        self.inner = inner
        self.name = inner.name
        self.armed = True

    def send(self, msg: Outbound) -> str | None:
        ref = self.inner.send(msg)
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt("simulated crash after the send, before the commit")
        return ref

    def already_sent(self, msg: Outbound) -> str | None:
        return self.inner.already_sent(msg)


@pytest.fixture
def no_teams(receivers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Teams cannot tell a repeat (see monitor.delivery.notifiers.teams): left out here."""
    for r in receivers:
        r.pop("teams", None)
    return receivers


@pytest.mark.parametrize("dies", ["pagerduty", "webhook"])
def test_a_crash_between_send_and_commit_loses_nothing_and_acts_once(
        dies: str, containers: Callable[..., Container], target_cfg: Callable[..., Any],
        no_teams: list[dict[str, Any]], clock: FrozenClock, pd: FakePagerDuty, hook: FakeWebhook) -> None:
    cfg = target_cfg(receivers_=no_teams)
    inner: Notifier = PagerDutyNotifier(cfg) if dies == "pagerduty" else WebhookNotifier(cfg, clock=clock)
    c = containers(cfg, notifiers={dies: DiesAfterSend(inner)})
    c.pipeline.poll("replay")
    clock.advance(timedelta(seconds=30))
    c.pipeline.poll("replay")
    c.pipeline.process()
    with pytest.raises(KeyboardInterrupt):
        c.pipeline.deliver()
    pre_pd, pre_hook = len(pd.events), len(hook.raw)
    assert (pre_pd if dies == "pagerduty" else pre_hook) >= 1  # it went out ...
    assert "sending" in {n.status for n in c.store.notifications()}  # ... but is not recorded
    c.pipeline.run_once()  # the batch is leased: a restarted worker does not take it yet
    assert (len(pd.events), len(hook.raw)) == (pre_pd, pre_hook)
    clock.advance(timedelta(minutes=3))  # the lease has run out
    c.pipeline.run_once()
    rows = c.store.notifications()
    assert rows and all(n.status == "sent" for n in rows), [(n.idempotency_key, n.status) for n in rows]
    # nothing lost: every webhook row reached its consumer, the PagerDuty row PagerDuty
    webhook_keys = {n.idempotency_key for n in rows if n.channel == "target:webhook"}
    assert webhook_keys and hook.keys == webhook_keys
    assert sum(len(v) for v in hook.processed.values()) == len(webhook_keys)
    assert len([n for n in rows if n.channel == "target:pagerduty"]) == 1
    # nothing acted on twice: what went out before the crash went out again, and was deduplicated
    assert hook.duplicates == pre_hook and len(hook.raw) == len(webhook_keys) + pre_hook
    assert len(pd.events) == 1 + pre_pd and len({e["dedup_key"] for e in pd.events}) == 1
    assert pd.pages == 1 and len(pd.incidents) == 1
    if dies == "pagerduty":
        assert [e["event_action"] for e in pd.events] == ["trigger", "trigger"]
    sent_keys = Counter(headers["idempotency-key"] for headers, _ in hook.raw)
    assert set(sent_keys) == webhook_keys and max(sent_keys.values()) <= 2
    # the alert log (each receiver's own row) has each alert once: reconciled, not re-sent
    log_lines = (c.cfg.data_path / c.cfg.notify.alert_log).read_text(encoding="utf-8").splitlines()
    keys = [line.rsplit("key=", 1)[1] for line in log_lines]
    assert len(keys) == len(set(keys)) == len([n for n in rows if n.channel is None])
