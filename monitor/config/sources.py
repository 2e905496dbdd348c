"""Configuration of the sources (connectors) and their filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator

from monitor.config.base import Duration, EnvName, MatchTerm, StrictModel


class FilterConfig(StrictModel):
    """Optional filters applied to a source's mentions before they are stored."""

    languages: list[str] = Field(default_factory=list, description="keep only these languages (empty: all)")
    min_author_reach: int = Field(0, ge=0)
    blocked_authors: list[MatchTerm] = Field(default_factory=list)
    blocked_domains: list[MatchTerm] = Field(default_factory=list)
    exclude_own_accounts: bool = True
    drop_reposts: bool = False
    keep_unknown_language: bool = Field(True, description="with languages set, keep mentions whose language is unknown")
    require_terms: list[MatchTerm] = Field(
        default_factory=list, description="keep only mentions whose text, title or links contain one of these "
                                          "(whole words, any case; empty: all)")
    exclude_terms: list[MatchTerm] = Field(
        default_factory=list, description="drop mentions whose text or title contains one of these (whole words, "
                                          "any case): another thing of the same name, a bird, a web server")


class SourceConfig(StrictModel):
    """One configured source: a connector ``type`` plus its schedule, secrets and options.

    ``credentials`` maps a connector's credential name to the *environment variable* that holds
    it (e.g. ``bearer_token: X_BEARER_TOKEN``); the values never appear in the file.
    ``options`` are validated by the connector type's own options model.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$")
    type: str
    enabled: bool = True
    interval: Duration = timedelta(minutes=5)
    jitter: Duration = timedelta(seconds=30)
    misfire_grace: Duration = timedelta(minutes=2)
    backfill: Duration = timedelta(hours=24)
    silent_after: Duration | None = Field(
        default=timedelta(hours=24), description="raise a health alert when no mention arrives for this long"
    )
    timeout: Duration = timedelta(seconds=20)
    max_retries: int = Field(3, ge=0, le=10)
    api_base: str | None = None
    credentials: dict[str, EnvName] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    filters: FilterConfig = Field(default_factory=FilterConfig)

    @field_validator("interval")
    @classmethod
    def _positive(cls, v: timedelta) -> timedelta:
        if v.total_seconds() <= 0:
            raise ValueError("must be longer than 0s")
        return v
