"""Every role against every queue action, on a yellow and on a red item, through the web app:
only the roles the policy allows succeed, a refusal changes nothing (no audit record), and its
message speaks to the person's role. The table below is the table of truth (P2, P4, P5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markupsafe import escape

from monitor.app.container import Container
from monitor.queue.actions import (
    NOT_SPOKESPERSON,
    POLICY_REMINDER,
    RED_NO_TEMPLATE,
    RED_RESPOND,
    RESTRICTED,
    Actor,
    QueueActions,
    permitted,
    refusal,
)
from monitor.web.app import create_app
from tests.fixtures.web import Browser, seed

# person -> roles (from tests/fixtures/web.py: anna is a spokesperson and lead, ben a spokesperson)
PEOPLE = {"eve": "employee", "ben": "spokesperson", "anna": "lead", "lee": "legal", "ada": "admin"}

FORMS: dict[str, dict[str, str]] = {
    "claim": {},
    "acknowledge": {},
    "respond": {"url": "https://x.com/setseg/status/99"},
    "close": {"reason": "already answered by support"},
    "dismiss": {"reason": "not about us"},
    "assign": {"assignee": "anna"},  # a spokesperson who is also cleared for red (a lead)
    "override": {"light": "green", "reason": "a compliment after all"},
    "sentiment": {"label": "positive"},
}

Y, N = True, False
# action: {light: who may (in PEOPLE order: eve, ben, anna, lee, ada)}
MATRIX: dict[str, dict[str, tuple[bool, bool, bool, bool, bool]]] = {
    #                 eve ben anna lee ada
    "claim":       {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},
    "acknowledge": {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},
    "respond":     {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, N, N)},  # P2: spokespersons; red: no template
    "close":       {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},
    "dismiss":     {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},
    "assign":      {"yellow": (N, N, Y, N, Y), "red": (N, N, Y, Y, Y)},
    "override":    {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},  # P4: "by a spokesperson"
    "sentiment":   {"yellow": (N, Y, Y, N, N), "red": (N, N, Y, Y, Y)},  # moves priority and due: like override
}


def allowed(person: str, action: str, light: str) -> bool:
    return MATRIX[action][light][list(PEOPLE).index(person)]


def expected_refusal(person: str, action: str, light: str) -> str:
    """The words a refusal uses for each role."""
    if person == "eve":
        return POLICY_REMINDER  # P2: only designated spokespersons respond
    if light == "red":
        # a spokesperson without red clearance; Legal or an admin recording a public response
        return RED_RESPOND if action == "respond" and person in ("lee", "ada") else RESTRICTED
    if action == "assign":
        return "Only a Marketing & Sales lead"
    return NOT_SPOKESPERSON  # legal / admin on a yellow item: spokespersons handle it


@pytest.mark.parametrize("light", ["yellow", "red"])
@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_only_allowed_roles_succeed(containers: Callable[..., Container], person: str, action: str,
                                    light: str) -> None:
    c = containers()
    items = seed(c)
    item_id = items.yellow if light == "yellow" else items.red
    b = Browser(create_app(c))
    b.signin_demo(person)
    before = len(c.store.audit_events())
    page = f"/queue/{item_id}" if person in ("anna", "lee", "ada") or light != "red" else "/queue"
    if person == "eve":
        page = "/submit"  # an employee has no queue page; the form gives a valid CSRF token
    r = b.post_form(page, f"/queue/{item_id}/{action}", FORMS[action], follow_redirects=False)
    after = len(c.store.audit_events())
    if allowed(person, action, light):
        assert r.status_code == 303, (person, action, light, r.status_code, r.text[:300])
        assert after == before + 1
        assert c.store.audit_events()[-1].actor == person
    else:
        assert r.status_code == 403, (person, action, light, r.status_code)
        assert after == before
        assert str(escape(expected_refusal(person, action, light))) in r.text, r.text[:2000]
        assert "Project Falcon" not in r.text or person in ("anna", "lee", "ada")  # red text stays restricted


def test_refusal_table_matches_the_matrix() -> None:
    """The function the buttons are drawn from says the same as the matrix, for every role."""
    roles = {"eve": {"employee"}, "ben": {"employee", "spokesperson"}, "anna": {"employee", "spokesperson", "lead"},
             "lee": {"employee", "legal"}, "ada": {"employee", "admin"}}
    for person, rs in roles.items():
        actor = Actor(person, person, roles=frozenset(rs))
        for light in ("yellow", "red"):
            may = permitted(actor, light)
            for action in MATRIX:
                assert may[action] == allowed(person, action, light), (person, action, light)
                assert (refusal(actor, action, light) is None) == allowed(person, action, light)
    assert permitted(Actor("g", "g", roles=frozenset({"employee", "legal"})), "green") == \
        permitted(Actor("g", "g", roles=frozenset({"employee", "legal"})), "yellow")


def test_red_item_never_recorded_with_a_template(containers: Callable[..., Container]) -> None:
    """P4: a spokesperson cleared for red (the lead) may record that a response to a red item
    happened, never with a public-reply template."""
    c = containers()
    items = seed(c)
    b = Browser(create_app(c))
    b.signin_demo("anna")
    page = f"/queue/{items.red}"
    before = len(c.store.audit_events())
    r = b.post_form(page, f"{page}/respond", {"url": "https://x.com/setseg/status/7", "template_id": "sorry"},
                    follow_redirects=False)
    assert r.status_code == 409 and str(escape(RED_NO_TEMPLATE)) in r.text
    assert len(c.store.audit_events()) == before
    r = b.post_form(page, f"{page}/respond", {"url": "https://x.com/setseg/status/7"}, follow_redirects=False)
    assert r.status_code == 303 and len(c.store.audit_events()) == before + 1


def test_red_item_assigned_only_to_someone_cleared_for_red(containers: Callable[..., Container]) -> None:
    c = containers()
    items = seed(c)
    lee = Actor("lee", "Lee Legal", roles=frozenset({"employee", "legal"}))
    actions = QueueActions(c.store, c.cfg)
    before = len(c.store.audit_events())
    with pytest.raises(Exception, match="not cleared for red"):
        actions.assign(items.red, lee, assignee="ben", now=c.clock.now())
    assert len(c.store.audit_events()) == before
    assert {a.id for a in actions.assignees("red")} == {"anna", "lee", "ada"}
    assert actions.assign(items.red, lee, assignee="lee", now=c.clock.now()).assignee == "lee"
