"""All database access. Connectors and decision modules never import this module.

The store works on SQLite and PostgreSQL alike; inserts that must be idempotent use the
dialect's ``INSERT … ON CONFLICT DO NOTHING``.

:class:`Store` is composed of one part per area, each in its own module beside this one:
``_base`` (engine, sessions, batch inserts, audit, counters), ``_intake`` (new mentions and
cursors, quarantine, source state), ``_mentions`` (lookups, claims, classifications, retention),
``_queue`` (queue items, roster, scout submissions, spikes), ``_outbox`` (notifications) and
``_accounts`` (local accounts, silences). Import the store and its names from here.
"""

from __future__ import annotations

from sqlmodel import Session

from monitor.storage._accounts import AccountStore
from monitor.storage._base import DAILY_COUNT, day_labels
from monitor.storage._intake import (
    MAX_COUNT,
    MAX_TEXT,
    QUARANTINE_RAW,
    IntakeStore,
    Quarantined,
    StoredBatch,
    UnstorableMention,
    clamp_count,
    describe_error,
    is_row_error,
    mention_row,
)
from monitor.storage._mentions import MentionStore
from monitor.storage._outbox import OutboxStore, WaitingAlert, backoff_delay
from monitor.storage._queue import QueueStore

__all__ = [
    "DAILY_COUNT",
    "MAX_COUNT",
    "MAX_TEXT",
    "QUARANTINE_RAW",
    "DbSession",
    "Quarantined",
    "Store",
    "StoredBatch",
    "UnstorableMention",
    "WaitingAlert",
    "backoff_delay",
    "clamp_count",
    "day_labels",
    "describe_error",
    "is_row_error",
    "mention_row",
]

#: The session type stages pass back to the store (they never import sqlmodel themselves).
DbSession = Session


class Store(IntakeStore, MentionStore, QueueStore, OutboxStore, AccountStore):
    """The database: sessions, mentions and cursors, queue, outbox, audit, counters."""
