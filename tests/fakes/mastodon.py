"""Fake Mastodon instance: version probe, ``/api/v2/search``, hashtag timelines and account statuses
with min_id / max_id, account lookup, single statuses and their context (ancestors, descendants).

Accounts are served from the recorded account body in ``mastodon_account_lookup.json`` (see its
``_source``); statuses from ``mastodon_statuses.json``. The instance's own domain is :data:`DOMAIN`:
its local accounts' ``acct`` is bare, a remote account's is ``user@domain``, as on a real instance.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply, payload

TOKEN = "test-mastodon-token"
#: the instance's own domain (its accounts are ``user@mastodon.example``)
DOMAIN = "mastodon.example"


class FakeMastodon:
    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = payload("mastodon_statuses.json")["statuses"]
        recorded = payload("mastodon_account_lookup.json")
        self.account_template: dict[str, Any] = recorded["account"]
        self.not_found: dict[str, Any] = recorded["not_found"]
        #: accounts the instance knows without a status of theirs (see :meth:`account`)
        self.accounts: list[dict[str, Any]] = []
        s = self.server = FakeServer()
        s.route("GET", r"/api/v1/instance/?", lambda _r: json_reply({"uri": "mastodon.example", "version": "4.3.0"}))
        s.route(
            "GET",
            r"/api/v2/instance/?",
            lambda _r: json_reply({"domain": "mastodon.example", "version": "4.3.0", "api_versions": {"mastodon": 2}}),
        )
        s.route("GET", r"/api/v2/search", self.search)
        s.route("GET", r"/api/v1/timelines/tag/([^/]+)", self.tag)
        s.route("GET", r"/api/v1/accounts/lookup", self.lookup)
        s.route("GET", r"/api/v1/accounts/(\d+)/statuses", self.account_statuses)
        s.route("GET", r"/api/v1/statuses/(\d+)", self.status)
        s.route("GET", r"/api/v1/statuses/(\d+)/context", self.context)
        s.faults_on(r"/api/v2/search", r"/api/v1/timelines/tag/[^/]+", r"/api/v1/accounts/lookup",
                    r"/api/v1/accounts/\d+/statuses")
        s.fault_replies["429"] = self._429
        s.fault_replies["401"] = lambda: json_reply({"error": "The access token is invalid"}, 401)

    def _429(self) -> Reply:
        reset = datetime.fromtimestamp(self.server.clock() + 30, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return json_reply(
            {"error": "Too many requests"},
            429,
            **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        )

    def _window(self, req: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        q = req.query
        limit = int(q.get("limit", 20))
        items = sorted(items, key=lambda s: int(s["id"]))
        if q.get("min_id"):
            items = [s for s in items if int(s["id"]) > int(q["min_id"])][:limit]
        else:
            if q.get("max_id"):
                items = [s for s in items if int(s["id"]) < int(q["max_id"])]
            if q.get("since_id"):
                items = [s for s in items if int(s["id"]) > int(q["since_id"])]
            items = items[-limit:]
        return copy.deepcopy(list(reversed(items)))

    def search(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_reply({"error": "The access token is invalid"}, 401)
        assert req.query.get("type") == "statuses"
        if req.query["q"].startswith(("http://", "https://")):
            return self.resolve(req)
        words = req.query["q"].lower().replace('"', "").split()
        hits = [s for s in self.statuses if all(w.lstrip("#") in s["content"].lower() for w in words)]
        return json_reply({"accounts": [], "statuses": self._window(req, hits), "hashtags": []})

    def resolve(self, req: Request) -> Reply:
        """A status URL as ``q``: with ``resolve=true`` the status whose page or ActivityPub id has
        that path (this fake's statuses live on ``mastodon.example``; the test instance is loopback)."""
        from urllib.parse import urlsplit

        if req.query.get("resolve") not in ("true", "1"):
            return json_reply({"accounts": [], "statuses": [], "hashtags": []})
        path = urlsplit(req.query["q"]).path.rstrip("/")
        hits = [s for s in self.statuses if path in (urlsplit(s["url"]).path, urlsplit(s["uri"]).path)]
        return json_reply({"accounts": [], "statuses": copy.deepcopy(hits[:1]), "hashtags": []})

    def tag(self, req: Request) -> Reply:
        tag = req.groups[0].lower()
        hits = [s for s in self.statuses if any(t["name"] == tag for t in s["tags"])]
        return json_reply(self._window(req, hits), **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"})

    # -- accounts ---------------------------------------------------------------------------------
    def _known_accounts(self) -> list[dict[str, Any]]:
        return [*self.accounts, *(st["account"] for st in self.statuses if isinstance(st.get("account"), dict))]

    @staticmethod
    def _local_acct(acct: str) -> str:
        """``acct`` as this instance writes it: bare for its own users, ``user@domain`` otherwise."""
        acct = acct.strip().lstrip("@").lower()
        user, _, domain = acct.partition("@")
        return user if domain in ("", DOMAIN) else acct

    def lookup(self, req: Request) -> Reply:
        """``GET /api/v1/accounts/lookup?acct=``: a known account (local ones also by ``user@DOMAIN``),
        never a WebFinger fetch; 404 ``Record not found`` otherwise."""
        want = self._local_acct(req.query.get("acct", ""))
        for a in self._known_accounts():
            if self._local_acct(str(a["acct"])) == want:
                return json_reply({**copy.deepcopy(a), "acct": want})
        return json_reply(self.not_found, 404)

    def account_statuses(self, req: Request) -> Reply:
        """``GET /api/v1/accounts/:id/statuses``: the account's statuses, newest first, windowed by
        ``min_id`` / ``max_id`` / ``since_id``; ``exclude_reblogs`` and ``exclude_replies`` honoured; 404
        for an unknown account."""
        truthy = ("true", "1", "True")
        if not any(str(a["id"]) == req.groups[0] for a in self._known_accounts()):
            return json_reply(self.not_found, 404)
        hits = [st for st in self.statuses if str(st["account"]["id"]) == req.groups[0]]
        if req.query.get("exclude_reblogs") in truthy:
            hits = [st for st in hits if not st.get("reblog")]
        if req.query.get("exclude_replies") in truthy:
            hits = [st for st in hits if not st.get("in_reply_to_id")]
        return json_reply(self._window(req, hits), **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"})

    def status(self, req: Request) -> Reply:
        """``GET /api/v1/statuses/:id`` by the instance-local id."""
        found = [st for st in self.statuses if st["id"] == req.groups[0]]
        return json_reply(copy.deepcopy(found[0])) if found else json_reply(self.not_found, 404)

    def context(self, req: Request) -> Reply:
        """``GET /api/v1/statuses/:id/context``: the statuses above it (``ancestors``, the thread's
        root first, up to the first parent the instance does not have) and below it (``descendants``,
        in the order they were posted); 404 for an unknown id."""
        by_id = {st["id"]: st for st in self.statuses}
        if req.groups[0] not in by_id:
            return json_reply(self.not_found, 404)
        ancestors: list[dict[str, Any]] = []
        parent = by_id[req.groups[0]].get("in_reply_to_id")
        while parent in by_id and len(ancestors) < 100:
            ancestors.insert(0, by_id[parent])
            parent = by_id[parent].get("in_reply_to_id")
        below, descendants = {req.groups[0]}, []
        for st in sorted(self.statuses, key=lambda st: int(st["id"])):
            if st.get("in_reply_to_id") in below:
                below.add(st["id"])
                descendants.append(st)
        return json_reply(copy.deepcopy({"ancestors": ancestors, "descendants": descendants}))

    def account(self, acct: str) -> dict[str, Any]:
        """The account ``user`` or ``user@domain`` (made from the recorded template when new); one
        on another domain is a remote account this instance knows."""
        want = self._local_acct(acct)
        for a in self.accounts:
            if a["acct"] == want:
                return a
        user, _, domain = want.partition("@")
        a = copy.deepcopy(self.account_template)
        a.update(id=str(109440137734600400 + len(self.accounts)), username=user, acct=want, display_name=user.title(),
                 url=f"https://{domain or DOMAIN}/@{user}", followers_count=100, statuses_count=0)
        self.accounts.append(a)
        return a

    def post(self, acct: str, sid: int, created: str, text: str, *, reply_to: str | None = None,
             visibility: str = "public") -> dict[str, Any]:
        """Publish status ``sid`` by account ``acct`` (a reply when ``reply_to`` names a local id:
        as Mastodon does, it names the parent's account in ``in_reply_to_account_id`` and, unless
        that is its own author, in ``mentions``)."""
        a = self.account(acct)
        user, _, domain = str(a["acct"]).partition("@")
        host = domain or DOMAIN
        s = copy.deepcopy(self.statuses[0] if self.statuses else payload("mastodon_statuses.json")["statuses"][0])
        s.update(id=str(sid), created_at=created, content=f"<p>{text}</p>", tags=[], account=copy.deepcopy(a),
                 uri=f"https://{host}/users/{user}/statuses/{sid}", url=f"https://{host}/@{user}/{sid}",
                 in_reply_to_id=reply_to, in_reply_to_account_id=None, reblog=None, mentions=[],
                 visibility=visibility)
        parent = next((st for st in self.statuses if st["id"] == reply_to), None) if reply_to else None
        if parent is not None:
            s["in_reply_to_account_id"] = parent["account"]["id"]
            if parent["account"]["id"] != a["id"]:
                s["mentions"] = [mention_of(parent["account"])]
        self.statuses.append(s)
        return s

    def add(self, sid: int, created: str, text: str) -> str:
        s = copy.deepcopy(self.statuses[0])
        s.update(
            id=str(sid),
            created_at=created,
            content=f"<p>{text} #setseg</p>",
            uri=f"https://mastodon.example/users/ann/statuses/{sid}",
            url=f"https://mastodon.example/@ann/{sid}",
        )
        self.statuses.append(s)
        uri: str = s["uri"]
        return uri


def mention_of(account: dict[str, Any]) -> dict[str, Any]:
    """The entry of a status's ``mentions`` that names ``account`` (``id, username, url, acct``)."""
    return {k: account[k] for k in ("id", "username", "url", "acct")}
