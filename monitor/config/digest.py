"""Configuration of the weekly digest email and SMTP."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.base import Duration, EnvName, StrictModel, TimeOfDay, TimeZoneName


class SmtpConfig(StrictModel):
    """SMTP server; the password comes from the environment variable named here."""

    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    sender: str = Field("brand-scout <brand-scout@localhost>")
    timeout: float = 20.0
    ca_file: str | None = Field(None, description="PEM bundle to trust instead of the system's (a private CA)")

    @model_validator(mode="after")
    def _login_needs_a_password_variable(self) -> SmtpConfig:
        # a login without a password could only fail at the first send: say so at load time
        if self.username and not self.password_env:
            raise ValueError("username is set but password_env is not: name the environment variable that holds "
                             "the SMTP password (or remove username to send without a login)")
        return self


def _default_respond_within() -> dict[str, timedelta]:
    return {"urgent": timedelta(hours=4), "high": timedelta(days=1), "normal": timedelta(days=2),
            "low": timedelta(days=5)}


class DigestConfig(StrictModel):
    """One weekly digest: when, to whom.

    The digest sent on ``day`` at ``time`` (in ``timezone``) covers the last full ISO week
    (Monday to Sunday, in ``timezone``) that ended before that moment.
    """

    name: str = Field("weekly", pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$")
    enabled: bool = True
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: TimeOfDay = time(8, 0)
    timezone: TimeZoneName = "UTC"
    recipients: list[str] = Field(default_factory=list)
    thank_scouts_by_name: bool = True
    baseline_weeks: int = Field(13, ge=1, le=104, description="rolling baseline: this many weeks before the week")
    top_items: int = Field(5, ge=1, le=50, description="how many top criticisms / compliments to show")
    respond_within: dict[str, Duration] = Field(
        default_factory=_default_respond_within,
        description="response target (wall clock, from item creation) by priority; acknowledgement "
                    "targets come from policy.escalation.targets",
    )
    retry_base: Duration = timedelta(minutes=1)
    retry_cap: Duration = timedelta(hours=1)
    max_attempts: int = Field(12, ge=1, le=100)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for addr in v:
            if "@" not in addr or any(c.isspace() for c in addr):
                raise ValueError(f"not an email address: {addr!r}")
        return v
