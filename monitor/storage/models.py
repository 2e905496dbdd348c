"""Database tables (SQLModel). Keep ``from __future__ import annotations`` out of this module:
SQLModel table classes break under it (sqlmodel #196).

Wire records (``connectors.base.Mention``) stay separate from these rows. All timestamps are
stored timezone-aware; SQLite drops the zone, so readers normalise with ``monitor.clock.utc``.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


def _count() -> Any:
    # Follower, like and repost counts come from the source and are not ours to bound (a federated
    # Mastodon instance sets its accounts' counts): 64-bit, and clamped when stored (store.MAX_COUNT).
    # SQLite's INTEGER is 64-bit already (and re-creating the table there would cascade deletes).
    return Field(default=0, sa_type=BigInteger().with_variant(Integer(), "sqlite"))


class MentionRow(SQLModel, table=True):
    """One stored mention, unique on ``(source, external_id)``.

    ``state`` is the pipeline stage: ``new`` (stored, waiting for a worker), ``routed`` (classified
    and routed; queue items and notifications created), ``filtered`` (dropped by a source filter).
    """

    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_mention_source_extid"),
        Index("ix_mention_state_id", "state", "id"),
        Index("ix_mention_created", "created_at"),
        Index("ix_mention_author", "source", "author_handle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    external_id: str = Field(max_length=200)
    source_name: str = Field(max_length=48, default="")
    url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    author_handle: str = Field(default="", max_length=200)
    author_name: str = Field(default="", max_length=300)
    author_reach: int = _count()
    lang: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    fetched_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    likes: int = _count()
    reposts: int = _count()
    replies: int = _count()
    quotes: int = _count()
    kind: str = Field(default="post", max_length=16)
    parent_id: str | None = Field(default=None, max_length=200)
    thread_id: str | None = Field(default=None, max_length=200)
    refers_to: str | None = Field(default=None, max_length=200)
    links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    state: str = Field(default="new", max_length=16)
    group_key: str | None = Field(default=None, max_length=300, index=True)
    deleted_at: datetime | None = _ts(nullable=True)
    # Re-observations (a connector delivers a stored post again): the counts above are the latest
    # reading; ``fetched_at`` stays when the mention was first stored (latency figures, backtests).
    #: when the latest reading was taken, if the post was read again after ``fetched_at`` (None: read once)
    observed_at: datetime | None = _ts(nullable=True)
    #: the reading before the latest one: its engagement (likes + reposts + replies + quotes) ...
    prev_engagement: int | None = Field(default=None, sa_type=BigInteger().with_variant(Integer(), "sqlite"),
                                        nullable=True)
    #: ... and when it was taken (both None while the post was read once)
    prev_observed_at: datetime | None = _ts(nullable=True)

    @property
    def engagement(self) -> int:
        """The latest engagement reading: likes + reposts + replies + quotes."""
        return self.likes + self.reposts + self.replies + self.quotes

    @property
    def last_observed_at(self) -> datetime:
        """When the latest engagement reading was taken."""
        return self.observed_at or self.fetched_at


class ClassificationRow(SQLModel, table=True):
    """The current sentiment of a mention (one row per mention; corrections update it)."""

    __tablename__ = "classification"

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", unique=True, ondelete="CASCADE")
    label: str = Field(max_length=16)
    score: float
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    model_id: str = Field(max_length=200, default="")
    uncertain: bool = False
    supported: bool = True
    corrected: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: the P4 confidentiality signal triage decided with (None: not scored, e.g. no threshold set)
    red_score: float | None = None
    red_reason: str | None = Field(default=None, max_length=300)


class SentimentCorrection(SQLModel, table=True):
    """A spokesperson's correction of a sentiment label (training data for the next model)."""

    __tablename__ = "sentiment_correction"

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=16)
    previous_label: str | None = Field(default=None, max_length=16)
    corrected_by: str = Field(max_length=200)
    corrected_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


QUEUE_STATUSES = ("new", "assigned", "acknowledged", "responded", "closed", "dismissed")
OPEN_STATUSES = ("new", "assigned", "acknowledged")


class QueueItem(SQLModel, table=True):
    """A mention (or group of mentions) that people must look at.

    Lifecycle: new → assigned → acknowledged → responded | closed (no response needed, with a
    reason) | dismissed. One item per group; ``mention_id`` is the group's first mention.
    """

    __tablename__ = "queue_item"
    __table_args__ = (
        Index("ix_queue_status_priority", "status", "priority_score"),
        Index("ix_queue_created", "created_at"),
        # The queue page: its filters, sorts and counts read only this index, not the rows.
        Index("ix_queue_list", "status", "light", "priority_score", "due_at", "assignee"),
        # The dashboard: overdue items (status, then due time) and responses of the window.
        Index("ix_queue_due", "status", "due_at"),
        Index("ix_queue_responded", "responded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", index=True, ondelete="CASCADE")
    group_key: str = Field(max_length=300, unique=True)
    light: str = Field(max_length=8)
    light_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    light_overridden_by: str | None = Field(default=None, max_length=200)
    priority: str = Field(max_length=8)
    priority_score: float = 0.0
    receivers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    topic: str | None = Field(default=None, max_length=100)
    status: str = Field(default="new", max_length=16)
    assignee: str | None = Field(default=None, max_length=200, index=True)
    scout_submitted: bool = False
    mention_count: int = 1
    due_at: datetime | None = _ts(nullable=True, index=True)
    acknowledged_at: datetime | None = _ts(nullable=True)
    responded_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    response_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: how the response became known: ``platform`` (an own account's post, seen by a connector) or
    #: ``manual`` (a spokesperson recorded its link); None while there is none
    response_source: str | None = Field(default=None, max_length=16)
    #: who the response is credited to: a spokesperson's id, or ``source:@handle`` for an own
    #: account mapped to nobody (flagged for the lead)
    responded_by: str | None = Field(default=None, max_length=200)
    template_id: str | None = Field(default=None, max_length=100)
    close_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    escalation_level: int = 0
    #: per receiver, the last alert it got for this group: {"at", "light", "priority"}
    alert_state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class QueueItemMention(SQLModel, table=True):
    """Membership of a mention in a queue item's group."""

    __tablename__ = "queue_item_mention"

    queue_item_id: int = Field(foreign_key="queue_item.id", primary_key=True, ondelete="CASCADE")
    mention_id: int = Field(foreign_key="mention.id", primary_key=True, ondelete="CASCADE")


class Notification(SQLModel, table=True):
    """The outbox and notification log: one row per delivery, unique on ``idempotency_key``.

    ``status``: pending → sending → sent | failed. A row left in ``sending`` by a crash is
    reconciled before it is sent again, so a delivery happens once. ``cancelled``: a gathered
    ladder message whose every item was acknowledged before it went out (never sent).
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    receiver: str = Field(max_length=100)
    kind: str = Field(max_length=32)  # alert | update | spike | health | escalation | digest | ack
    channel: str | None = Field(default=None, max_length=200)
    queue_item_id: int | None = Field(default=None, foreign_key="queue_item.id", index=True, ondelete="SET NULL")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    external_ref: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = _ts(nullable=True)


class ConnectorState(SQLModel, table=True):
    """A source's cursor and health, saved in the same transaction as the mentions it covers."""

    __tablename__ = "connector_state"

    source_name: str = Field(primary_key=True, max_length=48)
    source_type: str = Field(max_length=32, default="")
    cursor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    healthy: bool = True
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consecutive_failures: int = 0
    last_attempt_at: datetime | None = _ts(nullable=True)
    last_success_at: datetime | None = _ts(nullable=True)
    last_mention_at: datetime | None = _ts(nullable=True)
    retry_after: datetime | None = _ts(nullable=True)
    fetched_total: int = 0
    unhealthy_alerted: bool = False
    silent_alerted: bool = False


class ScoutSubmission(SQLModel, table=True):
    """A mention an employee forwarded (P1), credited even when it was already known."""

    __tablename__ = "scout_submission"

    id: int | None = Field(default=None, primary_key=True)
    submitted_by: str = Field(max_length=200, index=True)
    submitter_name: str | None = Field(default=None, max_length=200)
    channel: str = Field(default="web", max_length=16)  # web | slack | api
    url: str = Field(sa_column=Column(Text, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(default="other", max_length=16)  # compliment | criticism | question | other
    urgency: str = Field(default="normal", max_length=16)  # low | normal | high
    mention_id: int | None = Field(default=None, foreign_key="mention.id", ondelete="SET NULL")
    already_known: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class RosterEntry(SQLModel, table=True):
    """The spokesperson roster as synced from configuration (for joins and round robin)."""

    __tablename__ = "roster"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(max_length=200)
    email: str = Field(max_length=200)
    slack_user_id: str | None = Field(default=None, max_length=32)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    active: bool = True
    last_assigned_at: datetime | None = _ts(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Every change of state, by whom and when."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=100)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class EscalationStep(SQLModel, table=True):
    """A step of the escalation ladder taken for a queue item."""

    __tablename__ = "escalation_step"
    __table_args__ = (UniqueConstraint("queue_item_id", "level", name="uq_escalation_item_level"),)

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_item.id", ondelete="CASCADE")
    level: int
    action: str = Field(max_length=32)
    target: str = Field(max_length=200)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Silence(SQLModel, table=True):
    """A time-boxed mute with an owner and a reason."""

    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    matchers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    owner: str = Field(max_length=200)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SpikeEvent(SQLModel, table=True):
    """A detected spike, with its explanation; one crisis alert each."""

    __tablename__ = "spike_event"
    __table_args__ = (UniqueConstraint("key", name="uq_spike_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=32)  # volume | negative-share | velocity
    scope: str = Field(max_length=64)  # "all" or a source
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    ended_at: datetime | None = _ts(nullable=True)
    baseline: float = 0.0
    observed: float = 0.0
    explanation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class DigestRun(SQLModel, table=True):
    """A weekly digest sent to one recipient (exactly once per recipient and week)."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("week", "recipient", name="uq_digest_week_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=10)  # ISO week, e.g. 2026-W47
    recipient: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    message_id: str | None = Field(default=None, max_length=300)
    next_attempt_at: datetime | None = _ts(nullable=True)
    #: when the current (or last) claim set ``status='sending'``: a ``sending`` row whose claim is
    #: older than :data:`monitor.digest.DIGEST_SEND_LEASE` was abandoned by a crash and is re-sent
    claimed_at: datetime | None = _ts(nullable=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = _ts(nullable=True)


class QuarantinedMention(SQLModel, table=True):
    """A fetched mention that could not be stored, or a stored one that could not be processed.

    Kept so that one poisoned post neither stops its source nor blocks the worker's queue:
    ``stage`` is ``intake`` (the row could not be inserted; the rest of the fetch was stored and
    the cursor moved past it) or ``triage`` (the stored mention, ``mention_id``, failed on its own
    and its state is ``quarantined``). ``raw`` is a truncated repr of the record; ``error`` names
    the error class and message, never the SQL parameters.
    """

    __tablename__ = "quarantined_mention"
    __table_args__ = (Index("ix_quarantine_source_at", "source_name", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(max_length=48)
    source: str = Field(max_length=32)
    external_id: str = Field(sa_column=Column(Text, nullable=False))
    stage: str = Field(max_length=16)  # intake | triage
    mention_id: int | None = Field(default=None, foreign_key="mention.id", ondelete="SET NULL")
    raw: str = Field(sa_column=Column(Text, nullable=False))
    error_class: str = Field(max_length=100)
    error: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class UserAccount(SQLModel, table=True):
    """A local web account (when not behind single sign-on)."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=300)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    session_generation: int = Field(default=0, description="bumped on sign-out and password change: a session "
                                    "cookie of an older generation no longer signs anyone in")


class OwnPost(SQLModel, table=True):
    """A post by one of the organisation's own accounts that answers nothing (a statement, an
    announcement), unique on ``(source, external_id)``: no mention, kept so that replies in its
    thread are told apart per author (each customer answering our statement is a conversation of
    their own)."""

    __tablename__ = "own_post"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_own_post_source_extid"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    external_id: str = Field(max_length=200)
    author_handle: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PlatformResponse(SQLModel, table=True):
    """A post by one of the organisation's own accounts that answers a mention (issue 20), unique
    on ``(source, external_id)``.

    Stored as soon as a connector returns it, matched or not: ``mention_id`` is the mention it
    answers once that is stored, ``queue_item_id`` and ``matched_at`` once the mention's queue item
    was marked (or found) responded. ``credited_to`` is the spokesperson whose roster handle posted
    it, None for an own account mapped to nobody (``flagged``: the lead was told).
    ``in_reply_to_author`` is the account the response replies to, when the platform says (X,
    Mastodon, Bluesky). ``visibility`` is ``direct`` for a direct message (``private``: followers
    only), None for a public post: a response either way, not a public one.
    """

    __tablename__ = "platform_response"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_response_source_extid"),
        Index("ix_response_unmatched", "matched_at", "id"),
        Index("ix_response_thread", "source", "thread_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    external_id: str = Field(max_length=200)
    source_name: str = Field(max_length=48, default="")
    url: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    author_handle: str = Field(default="", max_length=200)
    in_reply_to: str | None = Field(default=None, max_length=200)
    thread_id: str | None = Field(default=None, max_length=200)
    quoted: str | None = Field(default=None, max_length=200)
    in_reply_to_author: str | None = Field(default=None, max_length=200)
    visibility: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    fetched_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    mention_id: int | None = Field(default=None, foreign_key="mention.id", ondelete="SET NULL")
    queue_item_id: int | None = Field(default=None, foreign_key="queue_item.id", index=True, ondelete="SET NULL")
    matched_at: datetime | None = _ts(nullable=True)
    credited_to: str | None = Field(default=None, max_length=200)
    flagged: bool = False


class MetricCounter(SQLModel, table=True):
    """Cumulative counters shared by every process (the /metrics page reads them)."""

    __tablename__ = "metric_counter"

    name: str = Field(primary_key=True, max_length=100)
    labels: str = Field(primary_key=True, max_length=200, default="")
    value: float = 0.0


ALL_TABLES = [
    MentionRow,
    ClassificationRow,
    SentimentCorrection,
    QueueItem,
    QueueItemMention,
    Notification,
    ConnectorState,
    ScoutSubmission,
    RosterEntry,
    AuditEvent,
    EscalationStep,
    Silence,
    SpikeEvent,
    DigestRun,
    UserAccount,
    MetricCounter,
    QuarantinedMention,
    PlatformResponse,
]
