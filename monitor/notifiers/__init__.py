"""Notifiers: the outbox delivers each message through one of these."""

from monitor.notifiers.base import Notifier, Outbound, RecordingNotifier
from monitor.notifiers.log import LogNotifier

__all__ = ["LogNotifier", "Notifier", "Outbound", "RecordingNotifier"]
