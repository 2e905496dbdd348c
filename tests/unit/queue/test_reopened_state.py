"""An item opened again by its customer: its receivers with a queue take the next member as news."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.config import load_config
from monitor.queue.actions import reopened_state
from monitor.storage.models import QueueItem

ROOT = Path(__file__).resolve().parents[3]


def test_receivers_with_a_queue_are_marked_even_those_a_spike_kept_from_the_first_alert() -> None:
    """Judge N (2026-12-06): the item's first alert had been held by a spike, so Marketing & Sales
    had no alert state to mark, and the customer's reply after our answer was held again."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    made = datetime(2026, 12, 8, 12, 40, tzinfo=UTC)
    kudos = {"at": made.isoformat(), "light": "green", "priority": "normal"}
    item = QueueItem(mention_id=1, group_key="x:c01", light="yellow", priority="high",
                     receivers=["marketing-sales", "kudos"], alert_state={"kudos": kudos},
                     created_at=made, updated_at=made)
    state = reopened_state(cfg, item)
    assert state["kudos"] == kudos  # no queue: no news of the item's handling
    assert state["marketing-sales"] == {"at": made.isoformat(), "light": "yellow", "priority": "high",
                                        "reopened": True}
