"""Notifiers: the outbox delivers each message through one of these."""

from monitor.delivery.notifiers.base import Notifier, Outbound, RecordingNotifier
from monitor.delivery.notifiers.log import LogNotifier

__all__ = ["LogNotifier", "Notifier", "Outbound", "RecordingNotifier"]
