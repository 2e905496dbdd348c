"""``scout web``, ``scout worker`` and ``scout scheduler``: the processes of a scaled-out
deployment on PostgreSQL (``scout run`` keeps everything in one process)."""


import logging
import signal
import threading
from typing import Annotated, Any

import typer

log = logging.getLogger("brand_scout.ops")


def run_scheduler_with_election(container: Any, stop: threading.Event, *, retry_seconds: float = 3.0) -> None:
    """Wait to become the leader, run the scheduler while leading, step down when stopped or
    when the lock is lost."""
    from monitor.errors import redact
    from monitor.leader import LeaderLock
    from monitor.scheduler import build_scheduler, stale_jobs

    lock = LeaderLock(container.store.engine)
    sched = None
    unreachable = False
    try:
        while not stop.is_set():
            try:
                leading = lock.try_acquire()
            except Exception as exc:  # database unreachable: not leading; try again (one warning per outage)
                if not unreachable:
                    log.warning("cannot reach the database for the scheduler election; retrying",
                                extra={"event": "election_error", "error": redact(f"{type(exc).__name__}: {exc}")})
                unreachable, leading = True, False
            else:
                unreachable = False
            if leading and sched is None:
                log.info("this scheduler is now active", extra={"event": "leader"})
                new = build_scheduler(container)
                new.start(paused=True)
                sched = new  # only a started scheduler is shut down below
                for job_id in stale_jobs(sched, container):
                    sched.remove_job(job_id)
                sched.resume()
            elif not leading and sched is not None:
                log.warning("lost leadership; stopping the scheduler", extra={"event": "standby"})
                sched.shutdown(wait=False)
                sched = None
            stop.wait(retry_seconds)
    finally:
        if sched is not None:
            sched.shutdown(wait=False)
        lock.release()


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
        from monitor.service import run_service

        run_service(_container(_load(config)), web=True, scheduler=False, worker=False, host=host, port=port)

    @app.command("worker")
    def worker(config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Classify, route and deliver (run many, on any machine; work is claimed with SKIP LOCKED)."""
        from monitor.service import WorkerLoop

        c = _container(_load(config))
        stop = _stop_event()
        WorkerLoop(c, stop).run()

    @app.command("scheduler")
    def scheduler(config: ConfigOpt = DEFAULT_CONFIG,
                  retry: Annotated[float, typer.Option(help="seconds between leadership attempts")] = 3.0) -> None:
        """Run connector and digest jobs; of several, exactly one is active (advisory lock)."""
        c = _container(_load(config))
        run_scheduler_with_election(c, _stop_event(), retry_seconds=retry)
