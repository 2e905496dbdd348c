"""Who is asking: local accounts or a trusted single-sign-on proxy, signed session cookies,
CSRF tokens bound to the session, and the roles that decide what a person may see and do.

Sessions are signed (itsdangerous) with the secret from the environment variable named by
``web.auth.session_secret_env``; without it a random secret is made per process (sessions
then end with the process); a short or placeholder secret stops start-up. Every session carries a
CSRF token that every form posts back, and a local account's session its session generation:
sign-out and a new password move the generation on, so every older cookie of it stops working.
Failed sign-ins are throttled per (account, address) pair and per address, and softly per account
(:class:`Throttle`, the container's clock; the rule is in :mod:`monitor.web.signin`). In proxy mode the user header counts only from a trusted peer address (the TCP peer:
uvicorn's ``proxy_headers`` are off) and, when configured, with the proxy's shared secret.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import re
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from monitor.clock import Clock
from monitor.config import AppConfig
from monitor.errors import ConfigError
from monitor.queue.actions import Actor, actor_for, directory
from monitor.storage.models import UserAccount
from monitor.storage.store import Store

log = logging.getLogger("brand_scout.web")

SESSION_COOKIE = "bs_session"
SESSION_MAX_AGE = 12 * 3600
MIN_SECRET_CHARS = 32
_PLACEHOLDERS = ("changeme", "replaceme", "placeholder", "yoursecret", "secrethere", "fillmein", "notasecret",
                 "insertsecret", "sessionsecret")
_HASHER = PasswordHasher()


class SignInRequired(Exception):
    """Raised by pages that need a signed-in person; answered with a redirect to /signin."""


class Forbidden(Exception):
    """Raised when the person may not see or do something; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def create_account(store: Store, *, email: str, name: str, password: str, roles: list[str],
                   now: datetime) -> UserAccount:
    """Create (or replace the password and roles of) a local account; audited. Replacing the
    password of an existing account ends every session of it."""
    existed = store.account_by_email(email) is not None
    hashed = hash_password(password)
    acc = store.upsert_account(email=email, name=name, password_hash=hashed, roles=roles, now=now)
    if existed:
        store.set_password(email=email, password_hash=hashed, actor="system", now=now)
        acc = store.account_by_email(email) or acc
    return acc


def change_password(store: Store, *, email: str, password: str, actor: str, now: datetime) -> bool:
    """Set a new password for ``email``; every session of the account ends (audited)."""
    return store.set_password(email=email, password_hash=hash_password(password), actor=actor, now=now)


def account(store: Store, email: str) -> UserAccount | None:
    """The active local account for ``email``."""
    acc = store.account_by_email(email)
    return acc if acc is not None and acc.active else None


def verify_password(store: Store, email: str, password: str) -> UserAccount | None:
    """The account when ``password`` is right, else None (same work either way)."""
    acc = account(store, email)
    try:
        if acc is None:
            _HASHER.verify(_DUMMY_HASH, password)  # keep the timing of unknown emails alike
            return None
        _HASHER.verify(acc.password_hash, password)
        return acc
    except (VerificationError, InvalidHashError):
        return None


_DUMMY_HASH = _HASHER.hash("not-a-password")


def session_secret_problem(secret: str | None) -> str | None:
    """What is wrong with a session secret (None when it will do): too short, or a placeholder
    such as ``CHANGE-ME`` copied from an example."""
    if not secret:
        return None
    squashed = re.sub(r"[^a-z0-9]", "", secret.lower())
    if any(p in squashed for p in _PLACEHOLDERS):
        return ("the session secret is a placeholder: set it to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
    if len(secret) < MIN_SECRET_CHARS:
        return (f"the session secret is too short ({len(secret)} characters, at least {MIN_SECRET_CHARS}): "
                "set it to a long random value")
    return None


def check_proxy_secret(cfg: AppConfig) -> None:
    """Refuse to start in proxy mode when ``web.auth.proxy_secret_env`` names a variable that is unset or short."""
    auth = cfg.web.auth
    if auth.mode != "proxy" or not auth.proxy_secret_env:
        return
    value = cfg.secret(auth.proxy_secret_env) or ""
    if len(value) < 16:
        what = "is not set" if not value else f"is too short ({len(value)} characters, at least 16)"
        raise ConfigError(f"${auth.proxy_secret_env} (web.auth.proxy_secret_env) {what}",
                          [(f"${auth.proxy_secret_env}", "web.auth.proxy_secret_env", what)])


class Sessions:
    """Signs and reads the session cookie."""

    def __init__(self, cfg: AppConfig) -> None:
        auth = cfg.web.auth
        secret = cfg.secret(auth.session_secret_env)
        problem = session_secret_problem(secret)
        if secret and problem:
            raise ConfigError(f"${auth.session_secret_env}: {problem}",
                              [(f"${auth.session_secret_env}", "web.auth.session_secret_env", problem)])
        check_proxy_secret(cfg)
        if not secret:
            if not auth.demo_login:
                log.warning("no session secret in $%s: using a random one, sessions end with this process",
                            auth.session_secret_env)
            secret = secrets.token_urlsafe(48)
        self._ser = URLSafeTimedSerializer(secret, salt="brand-scout-session")
        self.secure = auth.secure_cookies

    def load(self, raw: str | None) -> dict[str, Any] | None:
        """The session in ``raw``, or None when missing, forged or expired."""
        if not raw:
            return None
        try:
            data = self._ser.loads(raw, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def dump(self, data: dict[str, Any]) -> str:
        """The signed cookie value."""
        return self._ser.dumps(data)


def new_session() -> dict[str, Any]:
    """An anonymous session with a fresh CSRF token."""
    return {"csrf": secrets.token_urlsafe(32)}


def session(request: Request) -> dict[str, Any]:
    """The request's session (set by the middleware)."""
    data: dict[str, Any] = request.state.session
    return data


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session."""
    return str(session(request).get("csrf", ""))


def check_csrf(request: Request, token: str) -> None:
    """Refuse a form post whose token does not match the session's."""
    expected = csrf_token(request)
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(403, "The form expired or did not come from this site. Reload the page and try again.")


def _trusted(host: str, proxies: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    for p in proxies:
        try:
            if addr in ipaddress.ip_network(p, strict=False):
                return True
        except ValueError:
            continue
    return False


def current_actor(request: Request, cfg: AppConfig, store: Store) -> Actor | None:
    """The person behind ``request``, with roles from the roster and their account; None if anonymous."""
    auth = cfg.web.auth
    if auth.mode == "proxy":
        host = request.client.host if request.client else ""  # the peer: uvicorn runs with proxy_headers off
        email = request.headers.get(auth.user_header, "").strip()
        if not email or not _trusted(host, auth.trusted_proxies):
            return None
        if auth.proxy_secret_env:
            expected = cfg.secret(auth.proxy_secret_env) or ""
            given = request.headers.get(auth.proxy_secret_header, "")
            if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
                return None
        acc = account(store, email)
        return actor_for(cfg, email=email, name=acc.name if acc else None, extra_roles=acc.roles if acc else ())
    data = session(request)
    email = str(data.get("email") or "")
    if not email:
        return None
    if data.get("kind") == "demo":
        if not auth.demo_login:
            return None
        return actor_for(cfg, email=email)
    acc = account(store, email)
    if acc is None:  # deactivated since sign-in: access ends now
        return None
    if data.get("gen", 0) != acc.session_generation:  # signed out elsewhere or the password changed
        return None
    return actor_for(cfg, email=acc.email, name=acc.name, extra_roles=acc.roles)


def demo_people(cfg: AppConfig) -> list[Actor]:
    """Everyone on the roster, for one-click demo sign-in."""
    return directory(cfg)


def sign_in(request: Request, *, email: str, name: str, kind: str, generation: int = 0) -> None:
    """Start a signed-in session (a new CSRF token, so a token seen before sign-in is useless);
    ``generation`` is the account's session generation, checked on every request."""
    data = session(request)
    data.clear()
    data.update(new_session())
    data.update({"email": email, "name": name, "kind": kind, "gen": generation})


def sign_out(request: Request, store: Store | None = None, *, now: datetime | None = None) -> None:
    """End the session; for a local account every other session of it ends too (its session
    generation moves on, so a copied cookie no longer works)."""
    data = session(request)
    email = str(data.get("email") or "")
    if store is not None and now is not None and email and data.get("kind") == "account":
        store.end_sessions(email, actor=email.lower(), now=now)
    data.clear()
    data.update(new_session())


class Throttle:
    """Failed attempts per key (an account, an address) in a sliding window; a key with
    ``limit`` failures inside ``window`` is refused until the oldest one leaves it. Time comes
    from the container's clock. Per process: each web process keeps its own count."""

    def __init__(self, clock: Clock, *, limit: int, window: timedelta) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] >= self.window:
            q.popleft()
        return q

    def retry_after(self, key: str, limit: int | None = None) -> int | None:
        """Seconds until ``key`` may try again, or None when it may now; ``limit`` overrides the
        throttle's own (``limit=1``: until its latest failure leaves the window)."""
        limit = self.limit if limit is None else limit
        now = self.clock.now()
        with self._lock:
            q = self._recent(key, now)
            if len(q) < limit:
                if not q:
                    self._failures.pop(key, None)
                return None
            return max(1, math.ceil((q[-limit] + self.window - now).total_seconds()))

    def fail(self, key: str) -> None:
        """Count a failure of ``key``."""
        now = self.clock.now()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a spray of keys
                oldest = next(iter(self._failures))
                self._failures.pop(oldest, None)

    def take(self, key: str) -> int | None:
        """Count one request of ``key``: None when within the limit, else the seconds to wait
        (the refused request is not counted)."""
        wait = self.retry_after(key)
        if wait is None:
            self.fail(key)
        return wait

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(key, None)


def require(actor: Actor | None, *roles: str, message: str = "") -> Actor:
    """The actor when signed in and holding one of ``roles`` (none: anyone signed in)."""
    if actor is None:
        raise SignInRequired()
    if roles and not actor.has(*roles):
        raise Forbidden(message or "This page is for the Marketing & Sales team, Legal / Compliance and admins.")
    return actor


STAFF_ROLES = ("spokesperson", "lead", "legal", "admin")
