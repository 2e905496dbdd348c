"""Helpers for the tests that run ``scout`` commands as real subprocesses and kill them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(args: list[str], env: dict[str, str], log: Path, *, append: bool = False) -> subprocess.Popen[bytes]:
    """``python -m monitor ARGS`` in a new session (so :func:`kill` reaches its children), with
    stdout and stderr to ``log``."""
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "monitor", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill(p: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> bool:
    """Send ``sig`` to the process group of ``p`` and reap it; False if it had already exited."""
    if p.poll() is not None:
        return False
    os.killpg(p.pid, sig)
    p.wait(timeout=10)
    return True


def kill_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGKILL every process (group) still running."""
    for p in procs:
        kill(p)


def wait_for(pred: Callable[[], bool], timeout: float, what: str, *, every: float = 0.3) -> None:
    """Poll ``pred`` until it is true; AssertionError naming ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
