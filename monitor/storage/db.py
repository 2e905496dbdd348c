"""Engine creation and schema migrations (Alembic, run by ``scout db upgrade`` and on start)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
_USERINFO_PASSWORD = re.compile(r"(://[^:/?#@\s]*):[^@/?#\s]*@")
_PASSWORD_PARAMS = {"password", "passwd", "pwd", "sslpassword"}
_QUERY_PASSWORD = re.compile(r"(?i)([?&](?:password|passwd|pwd|sslpassword))=[^&#\s]*")


def redacted_url(url: str) -> str:
    """``url`` fit to print or log: the password shown as ``***`` (never the real one).

    ``postgresql+psycopg://scout:s3cret@db/scout`` -> ``postgresql+psycopg://scout:***@db/scout``;
    a URL SQLAlchemy cannot parse still has anything between ``user:`` and ``@`` hidden.
    """
    try:
        u = make_url(url)
        secret_keys = [k for k in u.query if k.lower() in _PASSWORD_PARAMS]
        if secret_keys:  # libpq also takes ``?password=...``
            u = u.update_query_dict(dict.fromkeys(secret_keys, "***"))
        return u.render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return _QUERY_PASSWORD.sub(r"\1=***", _USERINFO_PASSWORD.sub(r"\1:***@", url))


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """Create an engine for SQLite (file, WAL, foreign keys) or PostgreSQL (psycopg 3).

    The SQLite file's folder is created if needed. ``postgres://`` (the scheme many hosting
    platforms hand out) means ``postgresql://``. Raises :class:`StoreError` naming the setting for
    a URL that is not SQLite or PostgreSQL.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreError("storage.url (or its url_env variable): not a database URL; use "
                         "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE") from None
    if u.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"storage.url (or its url_env variable): {u.get_backend_name()!r} is not supported; "
                         "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    # hide_parameters: an error's text must not carry the row it failed on (mention text, emails)
    # into logs, health pages or the quarantine; the driver's own message says what went wrong.
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif u.get_backend_name() == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_engine(u, **kwargs)
    if u.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # isolation_level=None lets us issue BEGIN IMMEDIATE ourselves (see below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Take the write lock at the start of each transaction: two writers then wait for
            # each other instead of failing with "database is locked" on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; safe to run on every start)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    except Exception as exc:
        raise StoreError(f"database migration failed: {type(exc).__name__}: {exc}") from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return str(row[0]) if row else None
