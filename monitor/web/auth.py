"""Who is asking: local accounts or a trusted single-sign-on proxy, signed session cookies,
CSRF tokens bound to the session, and the roles that decide what a person may see and do.

Sessions are signed (itsdangerous) with the secret from the environment variable named by
``web.auth.session_secret_env``; without it a random secret is made per process (sessions
then end with the process). Every session carries a CSRF token that every form posts back.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from monitor.config import AppConfig
from monitor.queue.actions import Actor, actor_for, directory
from monitor.storage.models import UserAccount
from monitor.storage.store import Store

log = logging.getLogger("brand_scout.web")

SESSION_COOKIE = "bs_session"
SESSION_MAX_AGE = 12 * 3600
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
    """Create (or replace the password and roles of) a local account; audited."""
    return store.upsert_account(email=email, name=name, password_hash=hash_password(password), roles=roles, now=now)


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


class Sessions:
    """Signs and reads the session cookie."""

    def __init__(self, cfg: AppConfig) -> None:
        auth = cfg.web.auth
        secret = cfg.secret(auth.session_secret_env)
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
        host = request.client.host if request.client else ""
        email = request.headers.get(auth.user_header, "").strip()
        if not email or not _trusted(host, auth.trusted_proxies):
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
    return actor_for(cfg, email=acc.email, name=acc.name, extra_roles=acc.roles)


def demo_people(cfg: AppConfig) -> list[Actor]:
    """Everyone on the roster, for one-click demo sign-in."""
    return directory(cfg)


def sign_in(request: Request, *, email: str, name: str, kind: str) -> None:
    """Start a signed-in session (a new CSRF token, so a token seen before sign-in is useless)."""
    data = session(request)
    data.clear()
    data.update(new_session())
    data.update({"email": email, "name": name, "kind": kind})


def sign_out(request: Request) -> None:
    """End the session."""
    data = session(request)
    data.clear()
    data.update(new_session())


def require(actor: Actor | None, *roles: str, message: str = "") -> Actor:
    """The actor when signed in and holding one of ``roles`` (none: anyone signed in)."""
    if actor is None:
        raise SignInRequired()
    if roles and not actor.has(*roles):
        raise Forbidden(message or "This page is for the Marketing & Sales team, Legal / Compliance and admins.")
    return actor


STAFF_ROLES = ("spokesperson", "lead", "legal", "admin")
