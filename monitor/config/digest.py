"""Configuration of the weekly digest email and SMTP."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field

from monitor.config.base import EnvName, StrictModel, TimeOfDay


class SmtpConfig(StrictModel):
    """SMTP server; the password comes from the environment variable named here."""

    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    sender: str = Field("brand-scout <brand-scout@localhost>")
    timeout: float = 20.0


class DigestConfig(StrictModel):
    """One weekly digest: when, to whom."""

    enabled: bool = True
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: TimeOfDay = time(8, 0)
    timezone: str = "UTC"
    recipients: list[str] = Field(default_factory=list)
    thank_scouts_by_name: bool = True
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
