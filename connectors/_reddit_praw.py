"""How the Reddit connector reads praw's listings: the pages requested as praw would, each item
built by praw on its own (:func:`_items`, :func:`_info`), and prawcore's sleeping retries turned
off (:func:`_disable_prawcore_retries`). Used by :mod:`connectors.reddit` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from connectors._http import to_text
from connectors.errors import RetriableSourceError


class _Unbuilt:
    """A listing item praw could not build (a null ``author``, say): its raw fields as attributes,
    which is all the connector reads of an item (through ``vars``), so that it is read or rejected
    on its own like any other."""

    __slots__ = ("__dict__", "_raw")

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        if isinstance(raw, dict):
            self.__dict__.update({k: v for k, v in raw.items() if isinstance(k, str)})

    @property
    def fullname(self) -> str:
        """The item's ``name`` as sent ("" when none)."""
        return to_text(self.__dict__.get("name"))

    def to_dict(self) -> Any:
        """The item as received (what a rejection keeps)."""
        return self._raw


def _build(reddit: Any, child: Any) -> Any:
    """One listing child as praw's objector builds it, or as :class:`_Unbuilt` when it cannot."""
    try:
        item = reddit._objector.objectify(data=child)
    except Exception:  # the objector raises whatever praw's model classes do (TypeError, ...)
        item = None
    if not hasattr(item, "__dict__"):  # not built, or built as no model (a plain dict)
        item = _Unbuilt(child.get("data") if isinstance(child, dict) else child)
    return item


def _info(reddit: Any, fullname: str, source: str) -> list[Any]:
    """The items of ``GET /api/info/?id=<fullname>`` (the request praw's ``info`` sends), each
    built on its own (:func:`_build`), so that one praw cannot build does not raise.

    Raises:
        RetriableSourceError: the reply is no listing.
        prawcore.exceptions.PrawcoreException: the request failed (as praw raises it).
    """
    from praw.endpoints import API_PATH

    data = reddit.request(method="GET", path=API_PATH["info"], params={"id": fullname})
    page = data.get("data") if isinstance(data, dict) else None
    children = page.get("children") if isinstance(page, dict) else None
    if not isinstance(children, list):
        raise RetriableSourceError(f"reddit source {source!r}: malformed listing in reply")
    return [_build(reddit, child) for child in children]


def _items(reddit: Any, listing: Any, source: str) -> Iterator[Any]:
    """The items of the praw listing generator ``listing``: the same requests (path, query, page
    size, ``after`` paging, ``limit`` in items) as praw would send, each item built by praw on its
    own. praw's objector builds a whole page at once, so one item it cannot build (a null
    ``author``) would fail the page and stop the source; such an item comes as :class:`_Unbuilt`.

    Raises:
        RetriableSourceError: the reply is no listing.
        prawcore.exceptions.PrawcoreException: the request failed (as praw raises it).
    """
    from praw.models import ListingGenerator

    if not isinstance(listing, ListingGenerator):  # not a plain listing: praw reads it
        yield from listing
        return
    params = dict(listing.params)
    limit: int | None = listing.limit
    yielded = 0
    while limit is None or yielded < limit:
        data = reddit.request(method="GET", path=listing.url, params=params)
        page = data.get("data") if isinstance(data, dict) else None
        children = page.get("children") if isinstance(page, dict) else None
        if not isinstance(page, dict) or not isinstance(children, list):
            raise RetriableSourceError(f"reddit source {source!r}: malformed listing in reply")
        for child in children:
            if limit is not None and yielded >= limit:
                return
            yield _build(reddit, child)
            yielded += 1
        after = page.get("after")
        if not children or not after or after == params.get("after"):
            return
        params["after"] = after


def _disable_prawcore_retries(reddit: Any) -> None:
    """Swap prawcore's sleeping retry strategy for one that never retries (we retry ourselves)."""
    from prawcore.sessions import FiniteRetryStrategy

    @dataclass(frozen=True)
    class _NoRetry(FiniteRetryStrategy):
        retries: int = 0

        def _sleep_seconds(self) -> float | None:
            return None

    for attr in ("_core", "_read_only_core", "_authorized_core"):
        core = getattr(reddit, attr, None)
        if core is not None and hasattr(core, "_retry_strategy_class"):
            core._retry_strategy_class = _NoRetry
