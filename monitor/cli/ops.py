"""``scout web``, ``scout worker`` and ``scout scheduler``: the processes of a scaled-out
deployment on PostgreSQL (``scout run`` keeps everything in one process)."""


import signal
import threading
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the process commands to the ``scout`` app."""
    from monitor.cli import DEFAULT_CONFIG, ConfigOpt, _container, _load

    def _stop_event() -> threading.Event:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        return stop

    @app.command("web")
    def web(config: ConfigOpt = DEFAULT_CONFIG,
            port: Annotated[int | None, typer.Option(help="port (default from config)")] = None,
            host: Annotated[str | None, typer.Option(help="address to bind")] = None) -> None:
        """Serve the web app only (stateless; run as many as you like)."""
        from monitor.app.service import run_service

        run_service(_container(_load(config)), web=True, scheduler=False, worker=False, host=host, port=port)

    @app.command("worker")
    def worker(config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Classify, route and deliver (run many, on any machine; work is claimed with SKIP LOCKED)."""
        from monitor.app.service import WorkerLoop

        c = _container(_load(config))
        stop = _stop_event()
        WorkerLoop(c, stop).run()

    @app.command("scheduler")
    def scheduler(config: ConfigOpt = DEFAULT_CONFIG,
                  retry: Annotated[float, typer.Option(help="seconds between leadership attempts")] = 3.0) -> None:
        """Run connector and digest jobs; of several, exactly one is active (advisory lock)."""
        from monitor.app.service import run_scheduler_with_election

        c = _container(_load(config))
        run_scheduler_with_election(c, _stop_event(), retry_seconds=retry)
