"""Prometheus exposition of the counters every process shares through the database."""

from __future__ import annotations

from monitor.storage.models import OPEN_STATUSES, QUEUE_STATUSES
from monitor.storage.store import Store

HELP = {
    "mentions_fetched_total": "Mentions returned by connectors, per source",
    "mentions_stored_total": "New mentions stored, per source",
    "mentions_classified_total": "Mentions classified",
    "mentions_routed_total": "Mention deliveries routed, per receiver",
    "notifications_sent_total": "Notifications sent, per receiver",
    "notifications_failed_total": "Notification attempts that failed, per receiver",
    "connector_errors_total": "Failed fetches, per source",
    "scout_submissions_total": "Mentions forwarded by employees, per channel",
}


def render(store: Store) -> str:
    """The text exposition format (version 0.0.4)."""
    lines: list[str] = []
    by_name: dict[str, list[tuple[str, float]]] = {}
    for c in store.counters():
        by_name.setdefault(c.name, []).append((c.labels, c.value))
    for name in sorted(set(HELP) | set(by_name)):
        metric = f"brand_scout_{name}"
        lines.append(f"# HELP {metric} {HELP.get(name, name)}")
        lines.append(f"# TYPE {metric} counter")
        values = by_name.get(name) or [("", 0.0)]
        for labels, value in values:
            lines.append(f"{metric}{{{labels}}} {value:g}" if labels else f"{metric} {value:g}")
    counts = store.queue_counts()
    lines.append("# HELP brand_scout_queue_items Queue items per status")
    lines.append("# TYPE brand_scout_queue_items gauge")
    for st in QUEUE_STATUSES:
        lines.append(f'brand_scout_queue_items{{status="{st}"}} {counts.get(st, 0)}')
    lines.append("# HELP brand_scout_queue_open Queue items that still need a person")
    lines.append("# TYPE brand_scout_queue_open gauge")
    lines.append(f"brand_scout_queue_open {sum(counts.get(s, 0) for s in OPEN_STATUSES)}")
    pending = len(store.notifications(status="pending"))
    lines.append("# HELP brand_scout_outbox_pending Notifications waiting to be delivered")
    lines.append("# TYPE brand_scout_outbox_pending gauge")
    lines.append(f"brand_scout_outbox_pending {pending}")
    lines.append("# HELP brand_scout_source_healthy 1 when the source's last fetch succeeded")
    lines.append("# TYPE brand_scout_source_healthy gauge")
    for state in store.all_states():
        lines.append(f'brand_scout_source_healthy{{source="{state.source_name}"}} {1 if state.healthy else 0}')
    return "\n".join(lines) + "\n"
