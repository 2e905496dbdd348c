"""Sign-in returns to the page with its filters; reply templates fill ``{website}`` (issue 18, 14)."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config.policy import ReplyTemplate
from monitor.web.pages import fill
from tests.fixtures.web import Browser, csrf_of


def test_sign_in_keeps_the_query_string(browser: Callable[..., Browser]) -> None:
    b = browser()
    r = b.client.get("/queue?light=red&status=new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/queue%3Flight%3Dred%26status%3Dnew"
    page = b.client.get(r.headers["location"]).text
    r = b.client.post("/signin/demo", data={"person": "ben", "next": "/queue?light=red&status=new",
                                            "csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue?light=red&status=new"


def test_website_placeholder() -> None:
    t = ReplyTemplate(id="t", title="T", text="See {website}/events - {spokesperson}, {org} {unknown}")
    assert fill(t, author="a", org="SET SEG", spokesperson="Ana", website="https://www.setseg.example") == (
        "See https://www.setseg.example/events - Ana, SET SEG {unknown}")
