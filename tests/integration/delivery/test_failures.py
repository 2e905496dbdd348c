"""Each target's real request against its fake on 127.0.0.1, through the real outbox: success,
429 with Retry-After, 5xx, a permanent 4xx and a timeout; one failing target holds up nobody else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.logs import _Formatter
from monitor.storage.models import Notification
from tests.fakes.pagerduty import ROUTING_KEY, FakePagerDuty
from tests.fakes.server import FakeServer, Reply, json_reply
from tests.fakes.teams import SIG, FakeTeams
from tests.fakes.webhook import FakeWebhook

#: target -> the receiver that has it (crisis: PagerDuty only; marketing-sales: Teams and webhook)
RECEIVER = {"pagerduty": "crisis", "teams": "marketing-sales", "webhook": "marketing-sales"}
PAYLOAD = {"item_id": None, "group": "x:99", "light": "yellow", "priority": "high", "source": "x",
           "external_id": "99", "url": "https://x.example/99", "author": "bo", "author_name": "Bo", "reach": 54000,
           "text": "SET SEG portal down", "text_withheld": False, "sentiment": "negative", "sentiment_score": 0.9,
           "uncertain": False, "reasons": ["yellow: negative"], "due_at": "2026-11-16T20:00:00+00:00",
           "item_url": "http://127.0.0.1:8080/queue/99", "scout": False, "mention_count": 1}


@pytest.fixture
def fakes(pd: FakePagerDuty, teams: FakeTeams, hook: FakeWebhook) -> dict[str, FakeServer]:
    return {"pagerduty": pd.server, "teams": teams.server, "webhook": hook.server}


def enqueue(c: Container, receiver: str, key: str = "alert:test:x:99", kind: str = "alert",
            payload: dict[str, Any] | None = None) -> None:
    with c.store.session() as s:
        c.store.enqueue(s, key=key, receiver=receiver, kind=kind, payload=payload or PAYLOAD, now=c.clock.now())


def row(c: Container, key: str) -> Notification:
    found = [n for n in c.store.notifications() if n.idempotency_key == key]
    assert len(found) == 1, [n.idempotency_key for n in c.store.notifications()]
    return found[0]


def delivered(fake: FakeServer) -> int:
    return len(fake.requests)


@pytest.mark.parametrize("target", sorted(RECEIVER))
def test_success_is_one_request_and_a_sent_row(target: str, containers: Callable[..., Container],
                                               fakes: dict[str, FakeServer]) -> None:
    c = containers()
    enqueue(c, RECEIVER[target])
    c.pipeline.deliver()
    n = row(c, f"alert:test:x:99>{target}")
    assert (n.status, n.attempts, n.channel) == ("sent", 1, f"target:{target}")
    assert delivered(fakes[target]) == 1
    assert row(c, "alert:test:x:99").status == "sent"  # the receiver's own row (alert log)


@pytest.mark.parametrize("target", sorted(RECEIVER))
def test_429_waits_at_least_retry_after_then_delivers(target: str, containers: Callable[..., Container],
                                                      fakes: dict[str, FakeServer], clock: FrozenClock) -> None:
    c = containers()
    fake = fakes[target]
    fake.inject("429", times=1)  # Retry-After: 30
    enqueue(c, RECEIVER[target])
    c.pipeline.deliver()
    key = f"alert:test:x:99>{target}"
    n = row(c, key)
    assert n.status == "pending" and n.attempts == 1 and "429" in (n.last_error or "")
    assert n.next_attempt_at is not None and n.next_attempt_at.replace(tzinfo=clock.now().tzinfo) >= \
        clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=20))
    c.pipeline.deliver()
    assert delivered(fake) == 1 and row(c, key).status == "pending"  # Retry-After honoured
    clock.advance(timedelta(seconds=15))
    c.pipeline.deliver()
    assert delivered(fake) == 2 and row(c, key).status == "sent"


@pytest.mark.parametrize("target", sorted(RECEIVER))
def test_5xx_retries_with_backoff(target: str, containers: Callable[..., Container],
                                  fakes: dict[str, FakeServer], clock: FrozenClock) -> None:
    c = containers()
    fake = fakes[target]
    fake.inject("500", times=2)
    enqueue(c, RECEIVER[target])
    key = f"alert:test:x:99>{target}"
    c.pipeline.deliver()
    first = row(c, key)
    assert first.status == "pending" and "HTTP 500" in (first.last_error or "")
    c.pipeline.deliver()
    assert delivered(fake) == 1  # backing off: not due yet
    clock.advance(timedelta(seconds=3))
    c.pipeline.deliver()
    assert row(c, key).status == "pending" and row(c, key).attempts == 2
    clock.advance(timedelta(seconds=10))
    c.pipeline.deliver()
    n = row(c, key)
    assert (n.status, n.attempts, delivered(fake)) == ("sent", 3, 3)


@pytest.mark.parametrize("target", sorted(RECEIVER))
def test_timeout_is_retried(target: str, containers: Callable[..., Container], fakes: dict[str, FakeServer],
                            clock: FrozenClock) -> None:
    c = containers()
    fakes[target].inject("timeout", times=1, delay=2.5)  # the notifiers wait 2 s
    enqueue(c, RECEIVER[target])
    key = f"alert:test:x:99>{target}"
    c.pipeline.deliver()
    n = row(c, key)
    assert n.status == "pending" and "no answer within 2 s" in (n.last_error or "")
    clock.advance(timedelta(seconds=10))
    c.pipeline.deliver()
    assert row(c, key).status == "sent"


def _refusal(target: str) -> Reply:
    if target == "pagerduty":
        return FakePagerDuty.invalid("'payload.custom_details' is too large")
    if target == "teams":
        return json_reply({"error": {"code": "InvalidRequestContent", "message": "card rejected by flow"}}, 400)
    return json_reply({"error": "unknown event type for this consumer"}, 422)


@pytest.mark.parametrize("target", sorted(RECEIVER))
def test_permanent_4xx_fails_at_once_with_the_services_message(
        target: str, containers: Callable[..., Container], fakes: dict[str, FakeServer],
        clock: FrozenClock) -> None:
    c = containers()
    fake = fakes[target]
    fake.fail_on = lambda req: _refusal(target)
    enqueue(c, RECEIVER[target])
    c.pipeline.deliver()
    n = row(c, f"alert:test:x:99>{target}")
    assert n.status == "failed" and n.attempts == 1
    said = {"pagerduty": "Event object is invalid: 'payload.custom_details' is too large",
            "teams": "card rejected by flow", "webhook": "unknown event type for this consumer"}[target]
    assert said in (n.last_error or "") and "permanent" in (n.last_error or "")
    assert row(c, "alert:test:x:99").status == "sent"  # the alert log lane is not held up
    # a failed message does not block the lane: the next one goes out once the service is fine
    fake.clear()
    enqueue(c, RECEIVER[target], key="alert:test:x:100")
    clock.advance(timedelta(seconds=1))
    c.pipeline.deliver()
    assert row(c, f"alert:test:x:100>{target}").status == "sent"


def test_pagerduty_rejects_a_bad_routing_key_permanently_and_says_why(
        containers: Callable[..., Container], target_cfg: Callable[..., Any], env: dict[str, str]) -> None:
    cfg = target_cfg(env_={**env, "PD_ROUTING_KEY": "too-short"})
    c = containers(cfg)
    enqueue(c, "crisis")
    c.pipeline.deliver()
    n = row(c, "alert:test:x:99>pagerduty")
    assert n.status == "failed" and "routing_key" in (n.last_error or "")
    assert "too-short" not in (n.last_error or "")  # the secret is redacted


def test_a_failing_target_does_not_hold_up_the_receivers_other_targets(
        containers: Callable[..., Container], fakes: dict[str, FakeServer], hook: FakeWebhook) -> None:
    c = containers()
    fakes["teams"].inject("500")  # Teams is down for good
    enqueue(c, "marketing-sales", key="alert:test:a")
    enqueue(c, "marketing-sales", key="alert:test:b")
    c.pipeline.deliver()
    assert [row(c, f"alert:test:{k}>webhook").status for k in "ab"] == ["sent", "sent"]
    assert [row(c, f"alert:test:{k}>teams").status for k in "ab"] == ["pending", "pending"]
    assert row(c, "alert:test:b>teams").attempts == 0  # it waits behind a, in order, uncounted
    assert [e["id"] for e in hook.events("broad")] == ["alert:test:a>webhook", "alert:test:b>webhook"]


def test_secrets_never_reach_errors_or_logs(containers: Callable[..., Container], fakes: dict[str, FakeServer],
                                            env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """Services that echo what they were sent (the Teams signature, the routing key) are redacted."""

    c = containers()
    fakes["teams"].fail_on = lambda req: json_reply({"error": {"message": f"bad request to {req.raw_url} sig={SIG}"}},
                                                    400)
    fakes["pagerduty"].fail_on = lambda req: FakePagerDuty.invalid(f"routing key {ROUTING_KEY} is disabled")
    enqueue(c, "marketing-sales")
    enqueue(c, "crisis", key="alert:test:x:98")
    with caplog.at_level("DEBUG"):
        c.pipeline.deliver()
    errors = " ".join(n.last_error or "" for n in c.store.notifications())
    assert "bad request to" in errors and "is disabled" in errors
    # every line as the service's log handler writes it (monitor.logs: redacted, JSON or text)
    logged = "\n".join(_Formatter(json_lines=j).format(r) for r in caplog.records for j in (True, False))
    for secret in (SIG, ROUTING_KEY, env["TEAMS_BROAD_URL"], env["WEBHOOK_SECRET"]):
        assert secret not in errors and secret not in logged, secret


def test_rows_of_a_target_removed_from_the_config_fail_permanently(
        containers: Callable[..., Container], target_cfg: Callable[..., Any],
        receivers: list[dict[str, Any]]) -> None:
    c = containers()
    with c.store.session() as s:  # queued while crisis still had PagerDuty
        c.store.enqueue(s, key="alert:test:x:99>pagerduty", receiver="crisis", kind="alert", payload=PAYLOAD,
                        channel="target:pagerduty", now=c.clock.now())
    for r in receivers:
        r.pop("pagerduty", None)
    c2 = containers(target_cfg(receivers_=receivers))
    c2.pipeline.deliver()
    n = row(c2, "alert:test:x:99>pagerduty")
    assert n.status == "failed" and "no pagerduty notifier is configured" in (n.last_error or "")
