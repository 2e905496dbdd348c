"""One harness per connector type: a started fake service plus the real connector pointed at it.

The contract suite (``tests/integration/connectors/test_contract.py``) runs over :data:`HARNESSES`; adding a
connector type means adding a harness here.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from connectors import load_connector_class
from connectors.base import FetchContext
from monitor.clock import FrozenClock
from tests.fakes.server import FakeServer


class Harness(abc.ABC):
    """A fake service and a factory for its connector."""

    kind: str = ""
    #: the fetch's clock: near the recorded data's time, so the backfill window covers it
    now: datetime = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    backfill: timedelta = timedelta(days=3)

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self.sleep = sleep
        self.fake = self.make_fake()
        self.server: FakeServer = self.fake.server
        self.server.clock = self.now.timestamp
        self.server.start()

    @abc.abstractmethod
    def make_fake(self) -> Any:
        """The started fake service of this connector type."""

    @abc.abstractmethod
    def options(self) -> dict[str, Any]:
        """The connector's options for the fake."""

    def credentials(self) -> dict[str, str]:
        return {}

    def api_base(self) -> str | None:
        return self.server.url

    def connector(self, **kw: Any) -> Any:
        cls = load_connector_class(self.kind)
        args: dict[str, Any] = {
            "api_base": self.api_base(),
            "credentials": self.credentials(),
            "timeout": 5.0,
            "max_retries": 2,
            "sleep": self.sleep,
            "clock": FrozenClock(self.now),
        }
        args.update(kw)
        return cls(f"test-{self.kind}", cls.Options(**self.options()), **args)

    def ctx(self, progress: Any = None) -> FetchContext:
        return FetchContext(now=self.now, backfill_since=self.now - self.backfill, progress=progress)

    @abc.abstractmethod
    def add_new(self) -> str:
        """Publish one new matching item on the fake; returns its external id."""

    def close(self) -> None:
        self.server.stop()


class XHarness(Harness):
    kind = "x"
    now = datetime(2022, 10, 8, 0, 0, tzinfo=UTC)

    def make_fake(self) -> Any:
        from tests.fakes.x import FakeX

        return FakeX()

    def options(self) -> dict[str, Any]:
        return {"query": '"SET SEG" OR #setseg -is:retweet', "max_results": 10}

    def credentials(self) -> dict[str, str]:
        from tests.fakes.x import BEARER

        return {"bearer_token": BEARER}

    def add_new(self) -> str:
        tid = str(((int(self.now.timestamp() * 1000) - 1288834974657) << 22) | 1)
        self.fake.add(tid, "brand new SET SEG post", author_id="42")
        return tid


HARNESSES: dict[str, Callable[[Callable[[float], None]], Harness]] = {
    "x": XHarness,
}


class RedditHarness(Harness):
    kind = "reddit"
    now = datetime(2016, 3, 18, 0, 0, tzinfo=UTC)
    backfill = timedelta(days=3650)

    def make_fake(self) -> Any:
        from tests.fakes.reddit import FakeReddit

        return FakeReddit()

    def options(self) -> dict[str, Any]:
        return {"query": "praw oauth search", "time_filter": "day"}

    def credentials(self) -> dict[str, str]:
        from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET

        return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}

    def connector(self, **kw: Any) -> Any:
        kw.setdefault("timeout", 5.0)
        return super().connector(**kw)

    def add_new(self) -> str:
        return cast(str, self.fake.add_submission("zz9new", self.now.timestamp() - 60, "praw oauth search, brand new"))


HARNESSES["reddit"] = RedditHarness


class HNHarness(Harness):
    kind = "hn"

    def make_fake(self) -> Any:
        from tests.fakes.hn import FakeHN

        return FakeHN()

    def options(self) -> dict[str, Any]:
        return {"query": "SET SEG", "hits_per_page": 2}

    def add_new(self) -> str:
        return cast(str, self.fake.add("44100009", int(self.now.timestamp()) - 60, "SET SEG brand new"))


HARNESSES["hn"] = HNHarness


class RssHarness(Harness):
    kind = "rss"

    def make_fake(self) -> Any:
        from tests.fakes.rss import FakeFeed

        return FakeFeed()

    def options(self) -> dict[str, Any]:
        from tests.fakes.rss import PATH

        return {"feeds": [PATH]}

    def add_new(self) -> str:
        return cast(str, self.fake.add("news-example-1003", "SET SEG wins an award", "Fri, 01 May 2026 11:00:00 +0000"))


HARNESSES["rss"] = RssHarness


class MastodonHarness(Harness):
    kind = "mastodon"

    def make_fake(self) -> Any:
        from tests.fakes.mastodon import FakeMastodon

        return FakeMastodon()

    def options(self) -> dict[str, Any]:
        return {"query": "SET SEG", "hashtags": ["setseg"], "limit": 2}

    def credentials(self) -> dict[str, str]:
        from tests.fakes.mastodon import TOKEN

        return {"access_token": TOKEN}

    def add_new(self) -> str:
        return cast(str, self.fake.add(113000000000000009, "2026-05-01T11:59:00.000Z", "SET SEG is new here"))


HARNESSES["mastodon"] = MastodonHarness


class BlueskyHarness(Harness):
    kind = "bluesky"

    def make_fake(self) -> Any:
        from tests.fakes.bluesky import FakeBluesky

        return FakeBluesky()

    def options(self) -> dict[str, Any]:
        return {"query": "SET SEG", "limit": 2}

    def credentials(self) -> dict[str, str]:
        from tests.fakes.bluesky import APP_PASSWORD, HANDLE

        return {"handle": HANDLE, "app_password": APP_PASSWORD}

    def add_new(self) -> str:
        return cast(str, self.fake.add("3lbb9zzzzzz2z", "2026-05-01T11:59:00.000Z", "SET SEG brand new post"))


HARNESSES["bluesky"] = BlueskyHarness
