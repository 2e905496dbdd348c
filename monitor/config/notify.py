"""Configuration of delivery: Slack, the alert log and the outbox."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from monitor.config.base import Duration, EnvName, StrictModel


class SlackConfig(StrictModel):
    """Slack delivery and interactivity. Active only when the bot token variable is set."""

    enabled: bool = True
    bot_token_env: EnvName = "SLACK_BOT_TOKEN"
    signing_secret_env: EnvName = "SLACK_SIGNING_SECRET"
    api_base: str = Field("https://slack.com/api/", pattern=r"^https?://.+/$")
    timeout: Duration = timedelta(seconds=10)
    max_text_chars: int = Field(1500, ge=100, le=3000)
    max_retries: int = Field(2, ge=0, le=5, description="slack-sdk retry handlers' retries per call "
                             "(connection errors, 429 with Retry-After, 5xx) before the outbox backs off")
    history_limit: int = Field(200, ge=1, le=1000, description="recent messages searched for an "
                               "idempotency key when reconciling a delivery interrupted by a crash")


class OutboxConfig(StrictModel):
    """Retry policy of the notification outbox."""

    max_attempts: int = Field(20, ge=1)
    backoff_base: Duration = timedelta(seconds=2)
    backoff_max: Duration = timedelta(minutes=10)


class NotifyConfig(StrictModel):
    """Where alerts go when there is no Slack (or in addition to it)."""

    alert_log: str = Field("alerts.log", description="file under data_dir; one readable line per alert")
    health_receiver: str = Field("marketing-sales", description="receiver of source-health alerts")
    slack: SlackConfig = Field(default_factory=SlackConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
