"""A scout's forward on the queue pages and in alerts: the "how urgent" answer is shown on the item
page, in the list and in the alert payload; a link no source could read is shown as the employee's
note (with their name and the link), never as if it were the post ("web · reach 0")."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from connectors.base import Mention
from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.storage import read_models as queries
from monitor.storage.models import Notification
from tests.fixtures.web import Browser, Seeded


def test_unread_link_is_shown_as_the_scouts_note(browser: Callable[..., Browser], seeded: Seeded) -> None:
    page = browser("anna").client.get(f"/queue/{seeded.yellow}").text
    assert "Note from Eve Employee (scout):" in page
    assert 'id="mention-text">SET SEG claims portal is broken, I want a refund<' in page
    assert ">https://example.com/post/1</a>" in page
    assert "The post could not be read from its source" in page
    assert "reach 0" not in page and "web ·" not in page
    assert "scout's urgency: <b class=\"urgency-normal\">normal</b>" in page


def test_scout_urgency_on_the_item_page(browser: Callable[..., Browser], seeded: Seeded) -> None:
    page = browser("lee").client.get(f"/queue/{seeded.red}").text  # forwarded with urgency "high"
    assert "urgency-high\">urgent</b>" in page and "Note from Eve Employee (scout):" in page
    # the category in the form's words (judge E, 2026-12-07: "· other" for "Something else")
    assert "urgent</b> · something else" in page and "· other" not in page


def test_queue_list_shows_urgency_and_labels_the_note(browser: Callable[..., Browser], seeded: Seeded) -> None:
    page = browser("lee").client.get("/queue?status=all").text
    row = page[page.index(f'data-item="{seeded.red}"'):]
    row = row[:row.index("</tr>")]
    assert "urgency <b class=\"urgency-high\">urgent</b>" in row
    assert "Scout's note:" in row and "link not read" in row and ">0<" not in row
    yellow = page[page.index(f'data-item="{seeded.yellow}"'):]
    assert "urgency <b class=\"urgency-normal\">normal</b>" in yellow[:yellow.index("</tr>")]


def test_read_post_forwarded_by_a_scout_shows_the_post_and_the_note(
        browser: Callable[..., Browser], container: Container, clock: FrozenClock) -> None:
    fetched = Mention(source="x", external_id="9001", url="https://x.com/poster/status/9001",
                      text="SET SEG lost my claim twice, terrible", created_at=clock.now(),
                      author_handle="poster", author_reach=52000)
    sub = container.pipeline.submit_scout(url=fetched.url, note="this one is spreading", category="criticism",
                                          urgency="high", submitted_by="eve", submitter_name="Eve Employee",
                                          fetched=fetched)
    container.pipeline.process()
    item = queries.item_for_mention(container.store, sub.mention_id or 0)
    assert item is not None
    page = browser("anna").client.get(f"/queue/{item.id}").text
    assert 'id="mention-text">SET SEG lost my claim twice, terrible<' in page
    assert "reach 52,000" in page and "Note from" not in page and "could not be read" not in page
    assert "Forwarded by Eve Employee · scout's urgency: <b class=\"urgency-high\">urgent</b>" in page
    assert "this one is spreading" in page


def test_alert_payload_carries_the_scouts_urgency_and_note(container: Container, seeded: Seeded) -> None:
    with container.store.session() as s:
        alerts = {(n.queue_item_id, n.receiver): n.payload
                  for n in s.exec(select(Notification).where(Notification.kind == "alert")).all()}
    yellow = alerts[seeded.yellow, "marketing-sales"]
    assert yellow["scout"] is True and yellow["scout_urgency"] == "normal"
    assert yellow["scout_name"] == "Eve Employee" and yellow["text_is_scout_note"] is True
    assert yellow["scout_note"] == "SET SEG claims portal is broken, I want a refund"
    red_legal = alerts[seeded.red, "legal-compliance"]
    assert red_legal["scout_urgency"] == "high" and red_legal["scout_note"] == "Heard SET SEG is building Project Falcon"
    red_notice = [p for (i, r), p in alerts.items() if i == seeded.red and r != "legal-compliance"]
    assert red_notice and all(p["scout_note"] is None and p["text"] is None for p in red_notice)  # P4
    assert all(p["scout_urgency"] == "high" for p in red_notice)
