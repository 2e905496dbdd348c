"""The one exception tree of brand-scout, split by what the caller should do.

::

    MonitorError
    ├── ConfigError              bad configuration: exit non-zero, start nothing
    ├── ClassifierError          the sentiment model cannot load or run
    ├── NotifyError              a delivery failed (``recoverable``: retry with backoff)
    └── StoreError               the database refused an operation

    SourceError                  (connectors.errors, re-exported) a connector failed
    ├── RetriableSourceError     rate limit, 5xx, timeout: retry later (``retry_after`` seconds)
    ├── FatalSourceError         bad credentials, removed endpoint: mark the source unhealthy
    └── SkippableSourceError     one malformed item: skip it, keep the rest

``SourceError`` is defined by the connectors, which import nothing from ``monitor``, so it is
*not* a ``MonitorError``: ``except`` matches on the real class hierarchy (an ABC ``register``
would not help), so code that must catch both names both, e.g.
``except (MonitorError, SourceError)``. Today the only caller of ``Connector.fetch`` (intake)
catches ``SourceError`` itself, and link lookups catch everything.

Every message that may carry vendor text goes through :func:`redact` first (one function, one
secret registry, shared with the connectors).
"""

from __future__ import annotations

# The source-error tree and the one redact() live with the connectors (which import nothing from
# monitor); they are re-exported here so the app names every error through one module.
from connectors.errors import (
    FatalSourceError,
    RetriableSourceError,
    SkippableSourceError,
    SourceError,
    redact,
    register_secret,
    secret_values,
)


class MonitorError(Exception):
    """Root of every error brand-scout raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        """The (redacted) message."""
        return str(self.args[0]) if self.args else ""


class ConfigError(MonitorError):
    """The configuration is invalid; ``problems`` lists ``(file, field path, what is wrong)``."""

    def __init__(self, message: str, problems: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ClassifierError(MonitorError):
    """The sentiment model could not be loaded or run."""


class NotifyError(MonitorError):
    """A notification could not be delivered; retry while ``recoverable`` is true."""

    def __init__(self, message: str, recoverable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.recoverable = recoverable
        self.retry_after = retry_after


class StoreError(MonitorError):
    """The database refused an operation."""


__all__ = [
    "ClassifierError",
    "ConfigError",
    "FatalSourceError",
    "MonitorError",
    "NotifyError",
    "RetriableSourceError",
    "SkippableSourceError",
    "SourceError",
    "StoreError",
    "redact",
    "register_secret",
    "secret_values",
]
