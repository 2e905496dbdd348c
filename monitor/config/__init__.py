"""Typed configuration: ``load_config(path) -> AppConfig``, validated completely at start-up."""

from monitor.config.app import AppConfig, load_config, validate_config
from monitor.config.base import Duration, StrictModel, parse_duration
from monitor.config.digest import DigestConfig, SmtpConfig
from monitor.config.notify import NotifyConfig, SlackConfig
from monitor.config.ops import AuthConfig, LoggingConfig, StorageConfig, WebConfig
from monitor.config.people import Organisation, Person, Spokesperson, WorkingHours
from monitor.config.policy import PolicyConfig, ReceiverConfig, RouteConfig
from monitor.config.sentiment import SentimentConfig
from monitor.config.sources import FilterConfig, SourceConfig

__all__ = [
    "AppConfig",
    "AuthConfig",
    "DigestConfig",
    "Duration",
    "FilterConfig",
    "LoggingConfig",
    "NotifyConfig",
    "Organisation",
    "Person",
    "PolicyConfig",
    "ReceiverConfig",
    "RouteConfig",
    "SentimentConfig",
    "SlackConfig",
    "SmtpConfig",
    "SourceConfig",
    "Spokesperson",
    "StorageConfig",
    "StrictModel",
    "WebConfig",
    "WorkingHours",
    "load_config",
    "parse_duration",
    "validate_config",
]
