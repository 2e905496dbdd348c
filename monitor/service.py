"""Running brand-scout: the worker loop, the scheduler and the web server, in one process
(``scout run``) or as separate processes (``scout web``, ``scout worker``, ``scout scheduler``)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from monitor.bootstrap import Container

log = logging.getLogger("brand_scout.service")


class WorkerLoop:
    """Classifies, routes and delivers until stopped; sleeps only when there is nothing to do."""

    def __init__(self, container: Container, stop: threading.Event) -> None:
        self.c = container
        self.stop = stop

    def run(self) -> None:
        """Loop until ``stop`` is set; an error in one round is logged and the loop goes on."""
        pipeline = self.c.pipeline
        interval = self.c.cfg.worker.poll_interval
        failures = 0
        while not self.stop.is_set():
            try:
                busy = pipeline.process() + pipeline.deliver()
                if failures:
                    log.info("worker recovered", extra={"event": "worker_recovered", "after_failures": failures})
                failures = 0
            except Exception as exc:
                failures += 1
                # One full report per streak, then one short line per retry; back off up to a minute.
                if failures == 1:
                    log.exception("worker round failed", extra={"event": "worker_error"})
                else:
                    log.warning("worker round failed again", extra={"event": "worker_error", "failures": failures,
                                                                     "error": f"{type(exc).__name__}: {exc}"})
                self.stop.wait(min(60.0, interval * 2 ** min(failures, 6)))
                continue
            if not busy:
                self.stop.wait(interval)


def run_service(container: Container, *, web: bool = True, scheduler: bool = True, worker: bool = True,
                host: str | None = None, port: int | None = None, on_ready: Any = None) -> None:
    """Run the chosen parts until SIGINT/SIGTERM."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    sched = None
    if scheduler:
        from monitor.scheduler import build_scheduler, stale_jobs

        sched = build_scheduler(container)
        sched.start(paused=True)
        for job_id in stale_jobs(sched, container):
            sched.remove_job(job_id)
        sched.resume()
    if worker:
        t = threading.Thread(target=WorkerLoop(container, stop).run, name="worker", daemon=True)
        t.start()
        threads.append(t)
    server = None
    if web:
        import uvicorn

        from monitor.web.app import create_app

        config = uvicorn.Config(create_app(container), host=host or container.cfg.web.host,
                                port=port if port is not None else container.cfg.web.port,
                                log_level="warning", access_log=False)
        server = uvicorn.Server(config)

    def _stop(*_: Any) -> None:
        stop.set()
        if server is not None:
            server.should_exit = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if on_ready:
        on_ready()
    try:
        if server is not None:
            server.run()
        else:
            while not stop.is_set():
                stop.wait(1.0)
    finally:
        stop.set()
        if sched is not None:
            sched.shutdown(wait=False)
        for t in threads:
            t.join(timeout=10)
