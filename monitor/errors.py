"""The one exception tree of brand-scout, split by what the caller should do.

::

    MonitorError
    ├── ConfigError              bad configuration: exit non-zero, start nothing
    ├── SourceError              a connector failed; nothing was stored, no cursor moved
    │   ├── RetriableSourceError rate limit, 5xx, timeout: retry later (``retry_after`` seconds)
    │   ├── FatalSourceError     bad credentials, removed endpoint: mark the source unhealthy
    │   └── SkippableSourceError one malformed item: skip it, keep the rest
    ├── ClassifierError          the sentiment model cannot load or run
    ├── NotifyError              a delivery failed (``recoverable``: retry with backoff)
    └── StoreError               the database refused an operation

Every message that may carry vendor text goes through :func:`redact` first.
"""

from __future__ import annotations

import os
import re

_SECRET_ENV_HINTS = ("TOKEN", "SECRET", "PASSWORD", "KEY", "PASS", "CREDENTIAL")
_BEARER = re.compile(r"(?i)(bearer|basic|token|authorization)[ :=]+[A-Za-z0-9._~+/=-]{6,}")
_SLACK_TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]{6,}")


def secret_values() -> list[str]:
    """Values of environment variables that look like secrets (long enough to be worth hiding)."""
    out = []
    for name, value in os.environ.items():
        if any(h in name.upper() for h in _SECRET_ENV_HINTS) and len(value) >= 6:
            out.append(value)
    return sorted(out, key=len, reverse=True)


_EXTRA_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value (resolved from the environment) so that :func:`redact` hides it."""
    if value and len(value) >= 4:
        _EXTRA_SECRETS.add(value)


def redact(text: str) -> str:
    """Remove secret values, bearer tokens and Slack tokens from ``text``."""
    for value in sorted(set(secret_values()) | _EXTRA_SECRETS, key=len, reverse=True):
        if value in text:
            text = text.replace(value, "***")
    text = _SLACK_TOKEN.sub("xox?-***", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} ***", text)


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


class SourceError(MonitorError):
    """A connector could not fetch; nothing from this fetch was stored."""


class RetriableSourceError(SourceError):
    """Try again later; ``retry_after`` is the earliest sensible delay in seconds, if known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalSourceError(SourceError):
    """Retrying will not help (bad credentials, removed endpoint): the source is unhealthy."""


class SkippableSourceError(SourceError):
    """One item could not be read; skip it and keep the rest."""


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
