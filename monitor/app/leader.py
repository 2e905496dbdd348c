"""Leader election for the scheduler: exactly one active ``scout scheduler`` among several.

On PostgreSQL the leader holds a session-level advisory lock on a dedicated connection; when
its process dies the connection closes, the lock is released, and a standby that retries every
few seconds takes over. On SQLite (one machine) an exclusive lock on a file next to the
database plays the same part.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

log = logging.getLogger("brand_scout.leader")

LOCK_NAME = "brand-scout-scheduler"


def lock_key(name: str = LOCK_NAME) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderLock:
    """Try to become (and stay) the leader."""

    def __init__(self, engine: Engine, name: str = LOCK_NAME) -> None:
        self.engine = engine
        self.name = name
        self._conn: Any = None
        self._file: Any = None
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True while this process leads."""
        with self._lock:
            if self._conn is not None or self._file is not None:
                return self._still_held()
            if self.engine.dialect.name == "postgresql":
                conn = self.engine.connect()
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(self.name)}).scalar())
                conn.commit()
                if got:
                    self._conn = conn
                else:
                    conn.close()
                return got
            path = Path(self.engine.url.database or "brand-scout.db").with_suffix(".scheduler.lock")
            path.parent.mkdir(parents=True, exist_ok=True)
            f = path.open("a+")
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                return False
            self._file = f
            return True

    def _still_held(self) -> bool:
        if self._conn is None:
            return self._file is not None
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            # the connection died (database restart): the lock is gone with it
            log.warning("lost the scheduler lock (database connection closed)")
            self._conn = None
            return False

    def release(self) -> None:
        """Give up leadership."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(self.name)})
                    self._conn.commit()
                    self._conn.close()
                except Exception:
                    log.debug("advisory unlock failed; the connection is gone anyway")
                self._conn = None
            if self._file is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
                self._file.close()
                self._file = None
