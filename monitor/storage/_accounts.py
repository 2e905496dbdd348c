"""Local accounts and silences: what people change through the web and the CLI, audited."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from monitor.storage._base import StoreBase
from monitor.storage.models import (
    Silence,
    UserAccount,
)


class AccountStore(StoreBase):
    """Local accounts (sign-in, roles, sessions) and silences."""

    # ---- accounts --------------------------------------------------------------------------------
    def account_by_email(self, email: str) -> UserAccount | None:
        """The local account for ``email`` (any state)."""
        with self.session() as s:
            return s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()

    def upsert_account(self, *, email: str, name: str, password_hash: str, roles: list[str],
                       now: datetime, actor: str = "system") -> UserAccount:
        """Create a local account, or replace its name, password hash and roles (active again); audited."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                acc = UserAccount(email=email.lower(), name=name, password_hash="", created_at=now)
            acc.name, acc.password_hash, acc.roles, acc.active = name, password_hash, list(roles), True
            s.add(acc)
            self.audit(s, actor=actor, action="account.upsert", object_type="account", object_id=email.lower(),
                       details={"roles": list(roles)}, now=now)
        return acc

    def accounts(self) -> list[UserAccount]:
        """Every local account (active or not), by email."""
        with self.session() as s:
            return list(s.exec(select(UserAccount).order_by(col(UserAccount.email))).all())

    def update_account(self, email: str, *, actor: str, now: datetime, active: bool | None = None,
                       password_hash: str | None = None) -> UserAccount | None:
        """Set an account's ``active`` flag and/or password hash; audited (``account.disable``,
        ``account.enable``, ``account.set_password``; the hash never goes in the log). None when
        there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return None
            if active is not None:
                acc.active = active
                if not active:  # a disabled account's sessions end (enabling it brings none back)
                    acc.session_generation = (acc.session_generation or 0) + 1
                self.audit(s, actor=actor, action="account.enable" if active else "account.disable",
                           object_type="account", object_id=acc.email, now=now)
            if password_hash is not None:
                acc.password_hash = password_hash
                acc.session_generation = (acc.session_generation or 0) + 1  # every session of it ends
                self.audit(s, actor=actor, action="account.set_password", object_type="account",
                           object_id=acc.email, now=now)
            s.add(acc)
        return acc

    def set_password(self, *, email: str, password_hash: str, actor: str, now: datetime) -> bool:
        """Replace an account's password hash and end every session of it (its session generation
        moves on); audited. False when there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return False
            acc.password_hash = password_hash
            acc.session_generation = (acc.session_generation or 0) + 1
            s.add(acc)
            self.audit(s, actor=actor, action="account.password", object_type="account", object_id=email.lower(),
                       details={"sessions_ended": True}, now=now)
        return True

    def end_sessions(self, email: str, *, actor: str, now: datetime) -> int | None:
        """End every session of an account (sign-out): its session generation moves on; audited.
        The new generation, or None when there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return None
            acc.session_generation = (acc.session_generation or 0) + 1
            s.add(acc)
            self.audit(s, actor=actor, action="account.sign_out", object_type="account", object_id=email.lower(),
                       now=now)
            return acc.session_generation

    # ---- silences --------------------------------------------------------------------------------
    def add_silence(self, *, matchers: list[str], starts_at: datetime, ends_at: datetime, owner: str, reason: str,
                    actor: str, now: datetime) -> Silence:
        """Store a silence; audited (``silence.create`` with its matchers, time box and reason)."""
        with self.session() as s:
            row = Silence(matchers=list(matchers), starts_at=starts_at, ends_at=ends_at, owner=owner, reason=reason,
                          created_at=now)
            s.add(row)
            s.flush()
            self.audit(s, actor=actor, action="silence.create", object_type="silence", object_id=str(row.id),
                       details={"matchers": list(matchers), "starts_at": starts_at, "ends_at": ends_at,
                                "owner": owner, "reason": reason}, now=now)
        return row

    def silences(self, *, now: datetime, include_expired: bool = False, limit: int = 200) -> list[Silence]:
        """Silences that have not ended at ``now`` (with ``include_expired``, also the most recent
        ended ones), newest first, at most ``limit``."""
        with self.session() as s:
            q = select(Silence).order_by(col(Silence.id).desc()).limit(limit)
            if not include_expired:
                q = q.where(Silence.ends_at > now)
            return list(s.exec(q).all())

    def silence(self, silence_id: int) -> Silence | None:
        """One silence by id."""
        with self.session() as s:
            return s.get(Silence, silence_id)

    def expire_silence(self, silence_id: int, *, actor: str, now: datetime) -> Silence | None:
        """End a silence now (its row is kept, ``ends_at = now``, as Alertmanager expires one); audited
        (``silence.expire``). None when there is no such silence; an ended one is returned unchanged."""
        with self.session() as s:
            row = s.get(Silence, silence_id)
            if row is None:
                return None
            from monitor.clock import utc  # SQLite gives the stored times back without their zone

            if utc(row.ends_at) <= utc(now):
                return row
            before = utc(row.ends_at)
            row.ends_at = max(utc(now), utc(row.starts_at))  # one not yet started never starts
            s.add(row)
            self.audit(s, actor=actor, action="silence.expire", object_type="silence", object_id=str(row.id),
                       details={"matchers": list(row.matchers), "was_ending_at": before}, now=now)
        return row

    def active_silences(self, s: Session, now: datetime) -> list[Silence]:
        """Silences that have not ended at ``now``."""
        return list(s.exec(select(Silence).where(Silence.ends_at > now)).all())
