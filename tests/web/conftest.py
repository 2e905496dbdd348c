"""Fixtures for the web app: a container on SQLite with a roster, seeded queue items, and
a TestClient signed in as any roster person or local account."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.web import auth
from monitor.web.app import create_app
from tests.doubles import RecordingNotifier

XSS = '<script>alert("xss")</script><img src=x onerror="alert(2)"> SET SEG refund please'

PEOPLE = [
    {"id": "lee", "name": "Lee Legal", "email": "lee@setseg.example", "roles": ["legal"]},
    {"id": "eve", "name": "Eve Employee", "email": "eve@setseg.example", "roles": []},
    {"id": "ada", "name": "Ada Admin", "email": "ada@setseg.example", "roles": ["admin"]},
]
TEMPLATES = [{"id": "sorry", "title": "Apology", "for_sentiment": ["negative"],
              "text": "Hi {author}, sorry about this. {org} will look into it. {spokesperson}"}]
ENV = {"BRAND_SCOUT_SESSION_SECRET": "test-secret-" + "x" * 32, "BRAND_SCOUT_API_TOKENS": "crm:tok-crm-123,ci:tok-ci"}


@dataclass
class Seeded:
    """Ids of the seeded queue items."""

    yellow: int
    red: int
    xss: int


@pytest.fixture
def web_config(make_config: Callable[..., AppConfig], tmp_path: Path) -> Callable[..., AppConfig]:
    """A config with a roster (spokespersons anna (lead) and ben; legal, employee, admin people)."""

    def make(**web: Any) -> AppConfig:
        from tests.conftest import BASE_CONFIG

        policy = copy.deepcopy(BASE_CONFIG["policy"])
        policy["templates"] = TEMPLATES
        w = {"submissions_per_hour": 5, "auth": {"demo_login": True}}
        for k, v in web.items():
            if k == "auth":
                w["auth"] = {**w["auth"], **v}  # type: ignore[dict-item]
            else:
                w[k] = v
        return make_config(db=f"sqlite:///{tmp_path}/web.db", env=ENV, people=PEOPLE, policy=policy, web=w,
                           sources=[])

    return make


@pytest.fixture
def make_container(web_config: Callable[..., AppConfig], containers: Callable[..., Container]
                   ) -> Callable[..., Container]:
    def make(**web: Any) -> Container:
        return containers(web_config(**web), notifiers={"log": RecordingNotifier()})

    return make


@pytest.fixture
def container(make_container: Callable[..., Container]) -> Container:
    return make_container()


def seed(c: Container) -> Seeded:
    """Three queue items from scout submissions: a yellow complaint, a red leak, an XSS payload."""
    p = c.pipeline
    y = p.submit_scout(url="https://example.com/post/1", note="SET SEG claims portal is broken, I want a refund",
                       category="criticism", urgency="normal", submitted_by="eve", submitter_name="Eve Employee")
    r = p.submit_scout(url="https://example.com/post/2", note="Heard SET SEG is building Project Falcon",
                       category="other", urgency="high", submitted_by="eve", submitter_name="Eve Employee")
    x = p.submit_scout(url="https://example.com/post/3", note=XSS, category="criticism", urgency="normal",
                       submitted_by="eve", submitter_name="Eve Employee")
    p.process()
    from monitor.storage import read_models as queries

    ids = []
    for sub in (y, r, x):
        item = queries.item_for_mention(c.store, sub.mention_id or 0)
        assert item is not None and item.id is not None, sub
        ids.append(item.id)
    return Seeded(*ids)


@pytest.fixture
def seeded(container: Container) -> Seeded:
    return seed(container)


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class Browser:
    """A TestClient with helpers to sign in and post forms with the page's CSRF token."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, base_url="http://testserver")

    def signin_demo(self, person: str) -> None:
        page = self.client.get("/signin")
        r = self.client.post("/signin/demo", data={"person": person, "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
        assert r.status_code == 303, r.text

    def post_form(self, page_url: str, action: str, data: dict[str, str], **kw: Any) -> Any:
        page = self.client.get(page_url)
        return self.client.post(action, data={**data, "csrf_token": csrf_of(page.text)}, **kw)


@pytest.fixture
def browser(app: FastAPI) -> Callable[[str | None], Browser]:
    def make(person: str | None = None) -> Browser:
        b = Browser(app)
        if person:
            b.signin_demo(person)
        return b

    return make


@pytest.fixture
def account(container: Container, clock: FrozenClock) -> Callable[..., None]:
    def make(email: str, password: str, roles: list[str], name: str = "Local User") -> None:
        auth.create_account(container.store, email=email, name=name, password=password, roles=roles, now=clock.now())

    return make
