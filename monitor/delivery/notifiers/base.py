"""The notifier port: deliver one outbox message, or raise :class:`NotifyError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Outbound:
    """One message to deliver, as stored in the outbox."""

    key: str
    receiver: str
    kind: str
    payload: dict[str, Any]
    channel: str | None = None
    queue_item_id: int | None = None
    attempt: int = 1
    previous_ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Delivers messages of one kind of destination."""

    name: str

    def send(self, msg: Outbound) -> str | None:
        """Deliver ``msg``; return an external reference (e.g. a Slack ``channel:ts``) or None.

        Raises:
            NotifyError: with ``recoverable=True`` to be retried with backoff, False to give up.
        """
        ...

    def already_sent(self, msg: Outbound) -> str | None:
        """After a crash mid-send: the external reference if ``msg`` was in fact delivered."""
        ...


class RecordingNotifier:
    """Keeps every message in memory (tests, dry runs)."""

    name = "recording"

    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[Outbound] = []
        self.fail_times = fail_times

    def send(self, msg: Outbound) -> str | None:
        if self.fail_times > 0:
            self.fail_times -= 1
            from monitor.errors import NotifyError

            raise NotifyError("recording notifier told to fail", recoverable=True)
        self.sent.append(msg)
        return f"rec:{len(self.sent)}"

    def already_sent(self, msg: Outbound) -> str | None:
        for i, m in enumerate(self.sent, 1):
            if m.key == msg.key:
                return f"rec:{i}"
        return None
