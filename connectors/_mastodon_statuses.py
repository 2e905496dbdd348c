"""Mastodon statuses as the Mastodon connector reads them: :class:`MastodonOptions`, the one
listing every stream (the search, a hashtag timeline, an own account's statuses) is paged with
(:class:`_Timeline`), and the status helpers: ids (:func:`_id`, :func:`_id_at`), a status's
identity across instances (:func:`_key`), its author's ``user@instance`` (:func:`_qualified`) and
the account a reply answers (:func:`_reply_author`).
Used by :mod:`connectors.mastodon` only (which re-exports :class:`MastodonOptions`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors._http import parse_time, to_text
from connectors._paged import Listing
from connectors.base import FetchContext


class MastodonOptions(BaseModel):
    """Options of a ``mastodon`` source."""

    model_config = ConfigDict(extra="forbid")

    instances: list[str] = Field(
        default_factory=list, description="instances to read (host or URL); the source's api_base overrides"
    )
    query: str | None = Field(None, description="status search (v2) query; needs an access token")
    hashtags: list[str] = Field(default_factory=list, description="hashtag timelines to read (without #)")
    limit: int = Field(40, ge=1, le=40, description="statuses per request")
    max_pages: int = Field(5, ge=1, le=50, description="bound on requests per stream per fetch")

    @model_validator(mode="after")
    def _something(self) -> MastodonOptions:
        if not self.query and not self.hashtags:
            raise ValueError("set query and/or hashtags")
        self.hashtags = [h.lstrip("#") for h in self.hashtags]
        return self


def _id(status: Any) -> int:
    return int(status["id"])


def _key(status: Any) -> str:
    """A status's identity across instances (its ``uri``), as the fetch's ``external_id``."""
    return str(status.get("uri") or status.get("url") or status["id"])


def _id_at(t: datetime) -> str:
    """The smallest status id of instant ``t`` (Mastodon ids are milliseconds shifted by 16 bits)."""
    return str(int(t.timestamp() * 1000) << 16)


def _qualified(account: dict[str, Any]) -> str:
    """``user@instance`` for every account: an instance returns its own users' ``acct`` bare, so
    the instance is taken from the account's profile URL. A bare name from one instance and the
    same name on another are different people (and only one may be the organisation's)."""
    handle = to_text(account.get("acct") or account.get("username"))
    if handle and "@" not in handle:
        host = urlsplit(to_text(account.get("url"))).hostname
        if host:
            return f"{handle}@{host}"
    return handle


def _reply_author(status: Any, parents: dict[str, Any] | None = None) -> str | None:
    """The ``user@instance`` of the account ``status`` replies to (``in_reply_to_account_id``):
    the status's own author for a reply to itself, else the matching entry of its ``mentions`` (a
    reply names the account it answers there unless its author deleted the name), else the author
    of its parent when ``parents`` (instance-local id -> status) holds it; None when unknown."""
    if not isinstance(status, dict) or not status.get("in_reply_to_id"):
        return None
    wanted = to_text(status.get("in_reply_to_account_id"))
    account = status.get("account")
    mentions = status.get("mentions")
    candidates: list[Any] = [account, *(mentions if isinstance(mentions, list) else [])] if wanted else []
    parent = (parents or {}).get(to_text(status.get("in_reply_to_id")))
    if isinstance(parent, dict) and isinstance(parent.get("account"), dict):
        candidates.append(parent["account"])
        wanted = wanted or to_text(parent["account"].get("id"))
    for a in candidates:
        if isinstance(a, dict) and wanted and to_text(a.get("id")) == wanted:
            return _qualified(a) or None
    return None


class _Connector(Protocol):
    """What :class:`_Timeline` uses of :class:`~connectors.mastodon.MastodonConnector`: a Protocol,
    since that module imports this one and the layer rules allow no import cycle."""

    options: MastodonOptions

    def _call(self, fn: Callable[[], Any], ctx: FetchContext) -> list[Any]: ...


class _Timeline(Listing[list[Any], Any, int]):
    """One stream (the search, a hashtag timeline or an own account's statuses) of one instance,
    paged by status id.

    With a cursor it pages forward with ``min_id`` from the stream's newest id; on a first run
    it pages back with ``max_id`` until a status is older than the backfill window. ``newest``
    is the stream's next cursor. ``max_pages`` caps each stream silently.
    """

    def __init__(
        self, connector: _Connector, get: Callable[..., Any], min_id: str | None, since: datetime, ctx: FetchContext
    ) -> None:
        self.connector, self.get, self.since, self.ctx = connector, get, since, ctx
        self.min_id = int(min_id) if min_id else None
        self.newest = self.min_id
        self.limit = connector.options.limit
        self.max_pages = connector.options.max_pages

    def fetch_page(self, token: int | None) -> list[Any]:
        if self.min_id is not None:
            start = token or self.min_id
            batch = self.connector._call(lambda: self.get(min_id=str(start), limit=self.limit), self.ctx)
        else:
            batch = self.connector._call(
                lambda: self.get(max_id=str(token) if token else None, limit=self.limit), self.ctx
            )
        if batch:
            self.newest = max(self.newest or 0, *(_id(s) for s in batch))
        return batch

    def _fresh(self, page: list[Any]) -> list[Any]:
        return [s for s in page if (parse_time(s["created_at"]) or self.since) >= self.since]

    def parse(self, page: list[Any]) -> list[Any]:
        return page if self.min_id is not None else self._fresh(page)

    def key(self, item: Any) -> str:
        return _key(item)

    def reached_cursor(self, page: list[Any]) -> bool:
        return self.min_id is None and len(self._fresh(page)) < len(page)

    def next_token(self, page: list[Any], token: int | None) -> int | None:  # noqa: ARG002
        if not page or len(page) < self.limit:
            return None
        return max(_id(s) for s in page) if self.min_id is not None else min(_id(s) for s in page)
