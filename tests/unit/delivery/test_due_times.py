"""A due time read back from SQLite has no zone: messages show it in the organisation's zone, as
the UTC time it is (judge U, 2026-12-07: update emails said "Respond by: 2027-06-11T23:07:00",
an hour off in Lisbon, where the first alert said 00:07 WEST)."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.email_alerts import render as render_email
from monitor.delivery.notifiers.teams import _when as teams_when
from monitor.delivery.slack_blocks import _date


def _payload(due: str) -> dict[str, object]:
    return {"item_id": 7, "light": "yellow", "priority": "high", "source": "x", "url": "https://x.example/1",
            "author": "rui", "reach": 10, "text": "the app charged me twice", "due_at": due,
            "item_url": "http://127.0.0.1:8080/queue/7"}


def test_a_naive_due_time_is_utc_in_every_message() -> None:
    for due in ("2027-06-11T23:07:00", "2027-06-11T23:07:00+00:00"):
        msg = render_email(Outbound(key="k", receiver="m", kind="update", payload=_payload(due)), None,
                           sender="a@example.org", to=["b@example.org"], prefix="[brand-scout]", tz="Europe/Lisbon")
        assert "Respond by: 2027-06-12 00:07 WEST" in msg.get_content()
        assert teams_when(due, "Europe/Lisbon") == "2027-06-12 00:07 WEST"
        stamp = int(datetime(2027, 6, 11, 23, 7, tzinfo=UTC).timestamp())
        assert _date(due).startswith(f"<!date^{stamp}^")
