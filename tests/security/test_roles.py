"""Every role against every queue action, on a yellow and on a red item, through the web app:
only the roles the policy allows succeed, and a refusal changes nothing (no audit record)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.app.container import Container
from monitor.web.app import create_app
from tests.web.conftest import Browser, seed

# person -> roles (from tests/web/conftest.py: anna is a spokesperson and lead, ben a spokesperson)
PEOPLE = {"eve": "employee", "ben": "spokesperson", "anna": "lead", "lee": "legal", "ada": "admin"}
SEES_RED = {"anna", "lee", "ada"}

ACTIONS: dict[str, tuple[dict[str, str], set[str]]] = {
    # action: (form data, who may do it on a yellow item)
    "claim": ({}, {"ben", "anna"}),
    "acknowledge": ({}, {"ben", "anna"}),
    "respond": ({"url": "https://x.com/setseg/status/99"}, {"ben", "anna"}),
    "close": ({"reason": "already answered by support"}, {"ben", "anna"}),
    "dismiss": ({"reason": "not about us"}, {"ben", "anna"}),
    "assign": ({"assignee": "ben"}, {"anna", "ada"}),
    "override": ({"light": "green", "reason": "a compliment after all"}, {"ben", "anna", "lee", "ada"}),
    "sentiment": ({"label": "positive"}, {"ben", "anna", "lee", "ada"}),
}


def allowed(person: str, action: str, light: str) -> bool:
    """The policy: P2 (only spokespersons handle items; leads assign) and P4/P5 (red items only
    for legal, leads and admin)."""
    may = person in ACTIONS[action][1]
    return may and (light != "red" or person in SEES_RED)


@pytest.mark.parametrize("light", ["yellow", "red"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_only_allowed_roles_succeed(make_container: Callable[..., Container], person: str, action: str,
                                    light: str) -> None:
    c = make_container()
    items = seed(c)
    item_id = items.yellow if light == "yellow" else items.red
    b = Browser(create_app(c))
    b.signin_demo(person)
    before = len(c.store.audit_events())
    page = f"/queue/{item_id}" if person in SEES_RED or light != "red" else "/queue"
    if person == "eve":
        page = "/submit"  # an employee has no queue page; the form gives a valid CSRF token
    r = b.post_form(page, f"/queue/{item_id}/{action}", ACTIONS[action][0], follow_redirects=False)
    after = len(c.store.audit_events())
    if allowed(person, action, light):
        assert r.status_code == 303, (person, action, light, r.status_code, r.text[:300])
        assert after == before + 1
    else:
        assert r.status_code in (403, 404), (person, action, light, r.status_code)
        assert after == before
