"""Configuration of storage, web, logging, retention and scale-out."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from monitor.config.base import Duration, EnvName, StrictModel


class StorageConfig(StrictModel):
    """Database location. ``url`` may be overridden by the environment variable ``url_env``."""

    url: str = "sqlite:///{data_dir}/brand-scout.db"
    url_env: EnvName | None = "BRAND_SCOUT_DATABASE_URL"
    pool_size: int = Field(5, ge=1, le=100)
    echo: bool = False


class AuthConfig(StrictModel):
    """How the web app knows who you are."""

    mode: Literal["local", "proxy"] = "local"
    trusted_proxies: list[str] = Field(
        default_factory=list, validate_default=True,
        description="proxy mode: the peer addresses (IPs or networks) allowed to set user_header; required there")
    user_header: str = "X-Forwarded-Email"
    proxy_secret_env: EnvName | None = Field(
        None, description="proxy mode: env var NAME of a secret the proxy sends in proxy_secret_header")
    proxy_secret_header: str = "X-Proxy-Secret"
    session_secret_env: EnvName = "BRAND_SCOUT_SESSION_SECRET"
    api_tokens_env: EnvName | None = "BRAND_SCOUT_API_TOKENS"
    api_submitters: dict[str, list[str]] = Field(
        default_factory=dict,
        description="per API token name (a token without its own identity): the emails it may credit")
    api_requests_per_minute: int = Field(60, ge=1, description="per API token; more get 429")
    secure_cookies: bool = False
    demo_login: bool = Field(False, description="offer one-click sign-in as the roster (demo only)")
    signin_failures_per_account: int = Field(5, ge=1)
    signin_failures_per_address: int = Field(20, ge=1)
    signin_window: Duration = Field(timedelta(minutes=5), description="failed sign-ins count this long")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for p in value:
            try:
                ipaddress.ip_network(p.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{p!r} is not an IP address or network") from None
        if info.data.get("mode") == "proxy" and not value:
            raise ValueError("web.auth.trusted_proxies must be set in proxy mode: the address(es) of your reverse "
                             "proxy, e.g. [\"10.0.0.5\"] (no default: any local process could sign anyone in)")
        return value


class WebConfig(StrictModel):
    """The web app (scout form, queue, health, metrics, Slack request URL)."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    base_url: str = "http://127.0.0.1:8080"
    auth: AuthConfig = Field(default_factory=AuthConfig)
    submissions_per_hour: int = Field(30, ge=1)
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="request bodies over this get 413 (smaller caps "
                                "for Slack, sign-in, the forms and the API: monitor.web.limits)")


class LoggingConfig(StrictModel):
    """One line per event; JSON when asked."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_lines: bool = Field(False, alias="json")


class RetentionConfig(StrictModel):
    """How long personal data (mention text and authors) is kept; aggregates stay."""

    mentions_days: int | None = Field(365, ge=1)


class WorkerConfig(StrictModel):
    """Work sizes for the pipeline workers, and when /healthz says they are not keeping up."""

    batch_size: int = Field(256, ge=1, le=10000)
    poll_interval: float = Field(1.0, gt=0)
    degraded_after_failures: int = Field(
        3, ge=1, description="a worker whose last rounds all failed (this many) makes /healthz degraded, /readyz false")
    backlog_max_age: Duration = Field(
        timedelta(minutes=15), description="a mention left unprocessed this long makes /healthz degraded, /readyz false")
