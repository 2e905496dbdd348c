"""The weekly digest (P6): figures of one ISO week against last week and a rolling baseline,
rendered as an HTML + plain-text email with an inline chart, delivered once per recipient and week.

The modules, in the order the data flows:

* :mod:`~monitor.digest.calendar`: ISO weeks, their bounds in the digest's zone, when a digest is
  due, and the SQL bucket width that folds into local days exactly (pure).
* :mod:`monitor.storage.digest_queries`: all the SQL: the week's aggregates (counts, reach and
  sentiment per source and time bucket, never the window's mentions one by one), the few rows
  shown, and the delivery claims.
* :mod:`~monitor.digest.figures`: :func:`build_digest`, aggregates and rows in, a :class:`Digest`
  of figures out (pure: no I/O, no clock; the :class:`Digest` value types are in
  :mod:`~monitor.digest.report`); :mod:`~monitor.digest.load` joins the two.
* :mod:`~monitor.digest.render`: the chart, the Jinja2 templates and the MIME message.
* :mod:`~monitor.digest.send`: :class:`DigestService` claims a ``DigestRun`` row per (week,
  recipient), with a lease, and sends through ``SmtpSender``.
* :mod:`~monitor.digest.jobs`: :func:`scheduled_jobs`, what :mod:`monitor.app.scheduler` runs.

Red items are counted, never quoted: no text, author or URL of a mention whose queue item is red
reaches the digest, and spike terms that occur in red mentions are left out.

This package only re-exports the public names of its modules.
"""

from __future__ import annotations

from monitor.digest.calendar import (
    DAYS,
    bucket_seconds,
    due_week,
    last_send_time,
    parse_week,
    shift_week,
    week_bounds,
    week_label,
)
from monitor.digest.figures import (
    LABELS,
    OPEN_LISTED,
    CoverageRow,
    DayCounts,
    Digest,
    DigestSettings,
    Figure,
    OpenItem,
    ResponseRow,
    ScoutSummary,
    SourceFigure,
    SpikeLine,
    TopMention,
    build_digest,
    snippet,
)
from monitor.digest.jobs import ScheduledJob, digest_job, digest_tick_job, scheduled_jobs
from monitor.digest.load import DigestDeps, digest_from_store, load_digest
from monitor.digest.render import CHART_CID, TEMPLATES, chart_png, compose_message, render_digest
from monitor.digest.send import (
    DIGEST_SEND_LEASE,
    Delivery,
    DigestService,
    SenderFactory,
    lease_expires_at,
    message_id,
    next_attempt_at,
    run_key,
)
from monitor.storage.digest_queries import ItemTimes, OpenQueue, VolumeBucket

__all__ = [
    "CHART_CID",
    "DAYS",
    "DIGEST_SEND_LEASE",
    "LABELS",
    "OPEN_LISTED",
    "TEMPLATES",
    "CoverageRow",
    "DayCounts",
    "Delivery",
    "Digest",
    "DigestDeps",
    "DigestService",
    "DigestSettings",
    "Figure",
    "ItemTimes",
    "OpenItem",
    "OpenQueue",
    "ResponseRow",
    "ScheduledJob",
    "ScoutSummary",
    "SenderFactory",
    "SourceFigure",
    "SpikeLine",
    "TopMention",
    "VolumeBucket",
    "bucket_seconds",
    "build_digest",
    "chart_png",
    "compose_message",
    "digest_from_store",
    "digest_job",
    "digest_tick_job",
    "due_week",
    "last_send_time",
    "lease_expires_at",
    "load_digest",
    "message_id",
    "next_attempt_at",
    "parse_week",
    "render_digest",
    "run_key",
    "scheduled_jobs",
    "shift_week",
    "snippet",
    "week_bounds",
    "week_label",
]
