"""Configuration of delivery: Slack, the alert log, the outbox, and the per-receiver targets
(PagerDuty, Microsoft Teams, signed webhook) that ``receivers[]`` name next to ``slack:``."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitor.config.base import Duration, EnvName, StrictModel
from monitor.config.digest import SmtpConfig
from monitor.vocab import Priority


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
    history_limit: int = Field(200, ge=1, le=1000, description="messages per page of channel history read "
                               "when reconciling a delivery interrupted by a crash")
    history_pages: int = Field(10, ge=1, le=100, description="pages of channel history searched for an "
                               "idempotency key before a message counts as never sent (a busy channel "
                               "gets more than one page of newer messages while a worker restarts)")


class OutboxConfig(StrictModel):
    """Retry policy of the notification outbox."""

    max_attempts: int = Field(20, ge=1)
    backoff_base: Duration = timedelta(seconds=2)
    backoff_max: Duration = timedelta(minutes=10)


#: the message kinds that go by email (an update of an alerted group, a state change and a rewrite
#: of an earlier message stay in Slack: a mailbox cannot edit a message in place)
EmailKind = Literal["alert", "escalation", "spike", "health", "test"]
EMAIL_KINDS: tuple[EmailKind, ...] = ("alert", "escalation", "spike", "health", "test")


class EmailAlertsConfig(StrictModel):
    """Alerts by email to the addresses of ``receivers[].email``, over this SMTP server (the
    password from the environment variable it names). Off unless ``enabled``."""

    enabled: bool = False
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    kinds: list[EmailKind] = Field(
        default_factory=lambda: list(EMAIL_KINDS), description="message kinds sent by email")
    subject_prefix: str = Field("[brand-scout]", max_length=40)


class NotifyConfig(StrictModel):
    """Where alerts go when there is no Slack (or in addition to it)."""

    alert_log: str = Field("alerts.log", description="file under data_dir; one readable line per alert that Slack "
                           "does not carry (Slack off, or a receiver without a Slack channel)")
    health_receiver: str = Field("marketing-sales", description="receiver of source-health alerts")
    slack: SlackConfig = Field(default_factory=SlackConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    email: EmailAlertsConfig = Field(default_factory=EmailAlertsConfig)


# ---- per-receiver targets beyond Slack and email (``receivers[].pagerduty/teams/webhook``) --------
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def check_http_url(value: str, what: str) -> str:
    """``value`` as an absolute ``https://`` URL (``http://`` only to a loopback host, for tests).

    Raises:
        ValueError: naming ``what`` and the rule broken (never echoing a query string).
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"{what} must be an absolute https:// URL without credentials in it")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"{what} must use https:// (plain http:// is allowed only to localhost)")
    return value.strip()


class PagerDutyTarget(StrictModel):
    """PagerDuty Events API v2: alerts trigger an incident per item (``dedup_key``), acknowledging
    the item acknowledges it, responding or closing resolves it."""

    enabled: bool = Field(True, description="false: configured but off (its secret is not needed)")
    routing_key_env: EnvName = Field(description="environment variable holding the integration's routing key")
    api_base: str = Field("https://events.pagerduty.com", description="Events API base URL")
    min_priority: Priority = Field("low", description="items below this priority do not page (spikes, ladder "
                                   "steps and health alerts always do)")
    timeout: Duration = timedelta(seconds=10)

    @field_validator("api_base")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value, "pagerduty.api_base").rstrip("/")


class TeamsTarget(StrictModel):
    """Microsoft Teams through a Workflows webhook: one Adaptive Card per message."""

    enabled: bool = Field(True, description="false: configured but off (its secret is not needed)")
    webhook_url_env: EnvName = Field(description="environment variable holding the Workflows webhook URL "
                                     "(the URL carries its own signature: it is a secret)")
    notice_only: bool = Field(False, description="post a notice without the mention text")
    timeout: Duration = timedelta(seconds=10)


class WebhookTarget(StrictModel):
    """A signed JSON webhook (schema ``monitor/delivery/schema/webhook-v1.json``)."""

    enabled: bool = Field(True, description="false: configured but off (its secret is not needed)")
    url: str = Field(description="where to POST; https:// (http:// only to localhost)")
    secret_env: EnvName = Field(description="environment variable holding the HMAC-SHA256 signing secret")
    notice_only: bool = Field(False, description="send red notices and alerts without the mention text")
    timeout: Duration = timedelta(seconds=10)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value, "webhook.url")
