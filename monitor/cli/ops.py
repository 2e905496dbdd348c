"""``scout web``, ``scout worker`` and ``scout scheduler``: the processes of a scaled-out
deployment on PostgreSQL (``scout run`` keeps everything in one process)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, open_container

#: The process commands belong to the ``scout`` app itself (added without a group name).
ops_app = typer.Typer()


def _stop_event() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


@ops_app.command("web")
def web(config: ConfigOpt = DEFAULT_CONFIG,
        port: Annotated[int | None, typer.Option(help="port (default from config)")] = None,
        host: Annotated[str | None, typer.Option(help="address to bind")] = None) -> None:
    """Serve the web app only (stateless; run as many as you like)."""
    from monitor.app.service import run_service

    run_service(open_container(config), web=True, scheduler=False, worker=False, host=host, port=port)


@ops_app.command("worker")
def worker(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Classify, route and deliver (run many, on any machine; work is claimed with SKIP LOCKED)."""
    from monitor.app.service import WorkerLoop

    c = open_container(config)
    stop = _stop_event()
    WorkerLoop(c, stop).run()


@ops_app.command("scheduler")
def scheduler(config: ConfigOpt = DEFAULT_CONFIG,
              retry: Annotated[float, typer.Option(help="seconds between leadership attempts")] = 3.0) -> None:
    """Run connector and digest jobs; of several, exactly one is active (advisory lock)."""
    from monitor.app.service import run_scheduler_with_election

    c = open_container(config)
    run_scheduler_with_election(c, _stop_event(), retry_seconds=retry)


__all__ = ["ops_app", "scheduler", "web", "worker"]
