"""The connectors' default clock: the one place in ``connectors`` that reads the wall clock.

The app injects its own clock (``monitor.clock``); tests inject a frozen one.
"""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The real clock; satisfies :class:`connectors.base.Clock`."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


__all__ = ["SystemClock"]
