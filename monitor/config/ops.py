"""Configuration of storage, web, logging, retention and scale-out."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monitor.config.base import EnvName, StrictModel


class StorageConfig(StrictModel):
    """Database location. ``url`` may be overridden by the environment variable ``url_env``."""

    url: str = "sqlite:///{data_dir}/brand-scout.db"
    url_env: EnvName | None = "BRAND_SCOUT_DATABASE_URL"
    pool_size: int = Field(5, ge=1, le=100)
    echo: bool = False


class AuthConfig(StrictModel):
    """How the web app knows who you are."""

    mode: Literal["local", "proxy"] = "local"
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
    user_header: str = "X-Forwarded-Email"
    session_secret_env: EnvName = "BRAND_SCOUT_SESSION_SECRET"
    api_tokens_env: EnvName | None = "BRAND_SCOUT_API_TOKENS"
    secure_cookies: bool = False
    demo_login: bool = Field(False, description="offer one-click sign-in as the roster (demo only)")


class WebConfig(StrictModel):
    """The web app (scout form, queue, health, metrics, Slack request URL)."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    base_url: str = "http://127.0.0.1:8080"
    auth: AuthConfig = Field(default_factory=AuthConfig)
    submissions_per_hour: int = Field(30, ge=1)


class LoggingConfig(StrictModel):
    """One line per event; JSON when asked."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_lines: bool = Field(False, alias="json")


class RetentionConfig(StrictModel):
    """How long personal data (mention text and authors) is kept; aggregates stay."""

    mentions_days: int | None = Field(365, ge=1)


class WorkerConfig(StrictModel):
    """Work sizes for the pipeline workers."""

    batch_size: int = Field(256, ge=1, le=10000)
    poll_interval: float = Field(1.0, gt=0)
