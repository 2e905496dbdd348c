"""A real SMTP sink on 127.0.0.1 (aiosmtpd) that keeps what it received; it can be started late
(nothing listens on its port until ``start()``). Used by the digest, security and reliability tests."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    """aiosmtpd handler that keeps what it received."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A start/stop-able SMTP sink on a fixed free port of 127.0.0.1."""

    def __init__(self, **controller_kwargs: Any) -> None:
        self.port = free_port()
        self.sink = Sink()
        self.kwargs = controller_kwargs
        self.ctl: Controller | None = None

    def start(self) -> None:
        self.ctl = Controller(self.sink, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.ctl.start()

    def stop(self) -> None:
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None

    @property
    def received(self) -> list[tuple[str, list[str], bytes]]:
        return self.sink.received
