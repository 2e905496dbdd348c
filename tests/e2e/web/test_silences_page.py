"""/silences: leads and admins create, see and expire silences (CSRF on every form, the same
checks as ``scout silence``, each change in the audit log); everyone else is refused. The
Chromium test walks the page as a lead and writes screenshots to its tmp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.app.bootstrap import Container
from tests.e2e.web.test_browser import Live, live, page_as  # noqa: F401 - the live server and Chromium fixture
from tests.fixtures.web import Browser, csrf_of


def test_lead_creates_sees_and_expires_a_silence(container: Container, browser: Callable[[str | None], Browser]) -> None:
    b = browser("anna")
    page = b.client.get("/silences")
    assert page.status_code == 200 and "New silence" in page.text and "No active silences" in page.text
    assert '<a href="/silences">Silences</a>' in page.text
    r = b.post_form("/silences", "/silences", {"matchers": 'light=yellow, source=~"x|reddit"\ntopic=claims',
                                                "duration": "90m", "end": "", "comment": "claims portal outage"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/silences?created=1"
    page = b.client.get("/silences?created=1")
    assert "Silence 1 is active" in page.text and "claims portal outage" in page.text
    assert "light=&#34;yellow&#34;" in page.text and "anna@setseg.example" in page.text
    now = container.clock.now()
    (s,) = container.store.silences(now=now)
    assert s.matchers == ['light="yellow"', 'source=~"x|reddit"', 'topic="claims"'] and s.owner == "anna@setseg.example"
    assert (s.ends_at.replace(tzinfo=None) - s.starts_at.replace(tzinfo=None)).total_seconds() == 5400

    r = b.post_form("/silences", "/silences/1/expire", {}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/silences?expired=1"
    page = b.client.get("/silences?expired=1")
    assert "Silence 1 has ended" in page.text and "Recently ended" in page.text and "No active silences" in page.text
    assert container.store.silences(now=now) == []
    r = b.post_form("/silences", "/silences/1/expire", {})
    assert r.status_code == 409 and "has ended already" in r.text
    r = b.post_form("/silences", "/silences/99/expire", {})
    assert r.status_code == 404 and "no silence 99" in r.text
    events = [(e.action, e.object_id, e.actor) for e in container.store.audit_events("silence")]
    assert events == [("silence.create", "1", "anna@setseg.example"), ("silence.expire", "1", "anna@setseg.example")]


def test_end_time_is_in_the_organisation_timezone(container: Container, browser: Callable[[str | None], Browser]) -> None:
    b = browser("ada")  # admins may too
    r = b.post_form("/silences", "/silences", {"matchers": "receiver=kudos", "duration": "2h",
                                                "end": "2026-11-17T09:00", "comment": "kudos channel migration"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    (s,) = container.store.silences(now=container.clock.now())
    # America/Denver is UTC-7 in November; the end wins over the pre-filled duration
    assert s.ends_at.strftime("%Y-%m-%d %H:%M") == "2026-11-17 16:00" and s.owner == "ada@setseg.example"


@pytest.mark.parametrize(("matchers", "comment", "message"), [
    ("colour=red", "x", "no alert has the label"),
    ("", "x", "needs at least one matcher"),
    ("light=red", "", "say why"),
])
def test_bad_input_is_shown_with_the_text_kept(container: Container, browser: Callable[[str | None], Browser],
                                               matchers: str, comment: str, message: str) -> None:
    b = browser("anna")
    r = b.post_form("/silences", "/silences", {"matchers": matchers, "duration": "2h", "end": "", "comment": comment})
    assert r.status_code == 422 and message in r.text and 'id="form-error"' in r.text
    assert f">{matchers}</textarea>" in r.text
    assert container.store.silences(now=container.clock.now(), include_expired=True) == []


@pytest.mark.parametrize("person", ["ben", "lee", "eve"])
def test_only_leads_and_admins(container: Container, browser: Callable[[str | None], Browser], person: str) -> None:
    b = browser(person)
    page = b.client.get("/silences")
    assert page.status_code == 403 and "leads and admins" in page.text
    assert '<a href="/silences">' not in b.client.get("/submit").text
    token = csrf_of(b.client.get("/submit").text)
    r = b.client.post("/silences", data={"matchers": "light=yellow", "duration": "1h", "comment": "x",
                                         "csrf_token": token})
    assert r.status_code == 403
    assert container.store.silences(now=container.clock.now()) == []


def test_anonymous_is_sent_to_sign_in_and_csrf_is_required(container: Container,
                                                           browser: Callable[[str | None], Browser]) -> None:
    r = browser(None).client.get("/silences", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    b = browser("anna")
    r = b.client.post("/silences", data={"matchers": "light=yellow", "duration": "1h", "comment": "x"})
    assert r.status_code == 403 and "form expired" in r.text
    r = b.client.post("/silences", data={"matchers": "light=yellow", "duration": "1h", "comment": "x",
                                         "csrf_token": "forged"})
    assert r.status_code == 403
    assert container.store.silences(now=container.clock.now()) == []


@pytest.mark.browser
def test_lead_silences_a_flood_in_chromium(live: Live, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    page = page_as(live, "anna")
    page.goto(f"{live.base}/silences")
    page.fill("#matchers", 'light=yellow\nsource=~"x|reddit"')
    page.fill("#duration", "2h")
    page.fill("#comment", "X outage flood: statement posted, replies by hand")
    page.click("#create-silence")
    page.wait_for_load_state()
    assert "Silence 1 is active" in page.inner_text("#created")
    row = page.inner_text('tr[data-silence="1"]')
    assert 'light="yellow"' in row and "X outage flood" in row and "anna@setseg.example" in row
    page.fill("#matchers", "colour=red")
    page.fill("#comment", "typo")
    page.click("#create-silence")
    assert "no alert has the label 'colour'" in page.inner_text("#form-error")
    assert page.input_value("#matchers") == "colour=red"
    page.screenshot(path=str(tmp_path / "silences.png"), full_page=True)
    page.goto(f"{live.base}/silences")
    page.click("#expire-1")
    page.wait_for_load_state()
    assert "Silence 1 has ended" in page.inner_text("#expired")
    assert "X outage flood" in page.inner_text("#ended")
    page.screenshot(path=str(tmp_path / "silences-expired.png"), full_page=True)
    page.context.close()
    phone = page_as(live, "anna", mobile=True)  # 390 px: the form and the list fit the width
    phone.goto(f"{live.base}/silences")
    phone.fill("#matchers", 'receiver=marketing-sales, topic=~"billing|refunds|claims-portal-outage"')
    phone.fill("#comment", "statement posted on every channel")
    phone.click("#create-silence")
    phone.wait_for_load_state()
    assert "Silence 2 is active" in phone.inner_text("#created")
    phone.screenshot(path=str(tmp_path / "silences-phone.png"), full_page=True)
    wide = phone.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '#' + e.id)""")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, wide
    phone.context.close()
    actions = [e.action for e in live.container.store.audit_events("silence")]
    assert actions == ["silence.create", "silence.expire", "silence.create"]
    print(f"screenshots: {tmp_path}")
