"""Alerts by email (``notify.email`` and ``receivers[].email``) through a real SMTP exchange with
a sink on 127.0.0.1 (aiosmtpd): each receiver's addresses get its alerts, the red rule holds
(text only to the restricted receiver), outside text is inert, an SMTP outage is retried by the
outbox and loses nothing, and nothing is mailed while email is off."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.delivery.notifiers import fan_out_rows
from tests.fakes.smtp import SmtpServer
from tests.integration.delivery.conftest import ROWS, play


def receivers() -> list[dict[str, Any]]:
    return [
        {"name": "marketing-sales", "email": ["ms@setseg.example"]},
        {"name": "legal-compliance", "restricted": True, "broad": False, "email": ["legal@setseg.example"]},
        {"name": "crisis"},
        {"name": "kudos", "queue": False, "email": ["kudos@setseg.example", "team@setseg.example"]},
    ]


@pytest.fixture
def email_cfg(make_config: Callable[..., AppConfig], tmp_path: Path) -> Callable[..., AppConfig]:
    replay = tmp_path / "mentions.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")

    def make(port: int, enabled: bool = True) -> AppConfig:
        return make_config(
            db=f"sqlite:///{tmp_path}/test.db", receivers=receivers(),
            sources=[{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": str(replay)}}],
            notify={"email": {"enabled": enabled, "smtp": {"host": "127.0.0.1", "port": port, "security": "none",
                                                           "sender": "brand-scout <bs@setseg.example>",
                                                           "timeout": 5}}})
    return make


def mails(server: SmtpServer) -> list[tuple[list[str], email.message.EmailMessage]]:
    return [(to, email.message_from_bytes(data, policy=email.policy.default))  # type: ignore[misc]
            for _, to, data in server.received]


def body(msg: Any) -> str:
    return str(msg.get_content())


def test_each_receivers_addresses_get_its_alerts_and_red_text_only_legal(
        containers: Callable[..., Container], clock: FrozenClock, smtp: SmtpServer,
        email_cfg: Callable[..., AppConfig]) -> None:
    c = containers(email_cfg(smtp.port))
    play(c, clock)
    c.pipeline.run_once()  # the fanned-out email rows
    assert all(n.status == "sent" for n in c.store.notifications())
    got = mails(smtp)
    by_rcpt: dict[str, list[Any]] = {}
    for to, msg in got:
        by_rcpt.setdefault(",".join(to), []).append(msg)
    # Marketing & Sales: the yellow complaint (text, inert) and the red item's notice (no text)
    ms = by_rcpt["ms@setseg.example"]
    yellow = next(m for m in ms if "YELLOW" in m["Subject"])
    assert yellow["Subject"].startswith("[brand-scout] YELLOW ")
    text = body(yellow)
    assert "SET SEG claims portal is down again" in text and "Open in the queue: http" in text
    assert "https://evil" not in text and "<script>" not in text  # outside links and markup inert
    notice = next(m for m in ms if "RED" in m["Subject"])
    assert "Project Falcon" not in notice["Subject"] + body(notice) and "Text withheld" in body(notice)
    # Legal (restricted): the red text
    (legal,) = by_rcpt["legal@setseg.example"]
    assert "Project Falcon" in body(legal) and "Why you see this:" in body(legal)
    # kudos: one message to both addresses; the sender and Message-ID as configured / derived
    (kudos,) = by_rcpt["kudos@setseg.example,team@setseg.example"]
    assert "GREEN" in kudos["Subject"] and kudos["From"] == "brand-scout <bs@setseg.example>"
    assert kudos["Message-ID"].endswith("@brand-scout>")


def test_an_smtp_outage_is_retried_and_loses_nothing(containers: Callable[..., Container], clock: FrozenClock,
                                                      smtp: SmtpServer, email_cfg: Callable[..., AppConfig]) -> None:
    c = containers(email_cfg(smtp.port))
    smtp.stop()
    play(c, clock)
    c.pipeline.run_once()
    waiting = [n for n in c.store.notifications() if n.channel == "target:email"]
    assert waiting and all(n.status == "pending" and n.attempts >= 1 for n in waiting)
    assert all("127.0.0.1" in (n.last_error or "") for n in waiting)  # says where, never a password
    smtp.start()
    clock.advance(timedelta(minutes=15))  # past the backoff
    c.pipeline.run_once()
    assert all(n.status == "sent" for n in c.store.notifications() if n.channel == "target:email")
    assert len(smtp.received) == len(waiting)


def test_nothing_is_mailed_while_email_is_off(containers: Callable[..., Container], clock: FrozenClock,
                                              smtp: SmtpServer, email_cfg: Callable[..., AppConfig]) -> None:
    c = containers(email_cfg(smtp.port, enabled=False))
    play(c, clock)
    c.pipeline.run_once()
    assert smtp.received == [] and not [n for n in c.store.notifications() if n.channel == "target:email"]


def test_updates_state_changes_and_rewrites_are_not_mailed(email_cfg: Callable[..., AppConfig]) -> None:
    cfg = email_cfg(2525)
    assert fan_out_rows(cfg, key="k", receiver="marketing-sales", kind="alert", payload={})
    for kind, payload in [("update", {}), ("state", {}), ("spike", {"updates": "spike:1"}),
                          ("escalation", {"updates": "backlog:crisis:1"})]:
        assert fan_out_rows(cfg, key="k", receiver="marketing-sales", kind=kind, payload=payload) == []
    assert fan_out_rows(cfg, key="k", receiver="crisis", kind="alert", payload={}) == []  # no addresses


def test_check_config_names_a_missing_smtp_password_variable(make_config: Callable[..., AppConfig]) -> None:
    from monitor.delivery.notifiers import receiver_problems

    smtp = {"host": "smtp.setseg.example", "username": "bs@setseg.example", "password_env": "ALERT_SMTP_PASSWORD"}
    cfg = make_config(receivers=receivers(), notify={"email": {"enabled": True, "smtp": smtp}})
    assert receiver_problems(cfg) == ["<test>: notify.email.smtp.password_env: environment variable "
                                      "ALERT_SMTP_PASSWORD is not set (secrets come from the environment)"]
    ok = make_config(receivers=receivers(), notify={"email": {"enabled": True, "smtp": smtp}},
                     env={"ALERT_SMTP_PASSWORD": "s3cret-not-logged"})
    assert receiver_problems(ok) == []


def test_scout_notify_test_mails_a_receiver(smtp: SmtpServer, email_cfg: Callable[..., AppConfig],
                                            tmp_path: Path) -> None:
    """``scout notify test kudos --target email``: one message to the receiver's addresses."""
    import yaml
    from typer.testing import CliRunner

    from monitor.cli import app

    cfg = email_cfg(smtp.port)
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    res = CliRunner().invoke(app, ["notify", "test", "kudos", "-c", str(path), "--target", "email"])
    assert res.exit_code == 0, res.output
    assert "kudos -> email: sent (email:<" in res.output
    ((to, msg),) = mails(smtp)
    assert to == ["kudos@setseg.example", "team@setseg.example"]
    assert msg["Subject"] == "[brand-scout] brand-scout test message for receiver kudos"
