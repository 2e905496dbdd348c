"""A fake Slack Web API on 127.0.0.1 (stdlib ``ThreadingHTTPServer``) that records every call.

Implements ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``views.open``,
``conversations.history``, ``conversations.replies``, ``conversations.list`` and
``auth.test``. It can be told to answer the next calls with 429 + ``Retry-After``, a 5xx, or
``ok:false`` with an error, and it can be taken down and brought back on the same port.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-test-token-1234567890"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    auth: str | None


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    method: str | None = None
    times: int = 1


@dataclass
class FakeSlack:
    """State of the fake: channels, messages, calls and scheduled failures."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=dict)  # name -> id
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel id -> messages
    missing: set[str] = field(default_factory=set)  # channel names that do not exist
    failures: list[Failure] = field(default_factory=list)
    _ts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    # ---- control ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    down = stop

    def up(self) -> None:
        self.start()

    def fail(self, *, status: int = 200, error: str | None = None, retry_after: int | None = None,
             method: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` calls (of ``method``, if given) with this failure."""
        self.failures.append(Failure(status, error, retry_after, method, times))

    def channel_id(self, name: str) -> str:
        name = name.lstrip("#")
        if name not in self.channels:
            self.channels[name] = "C" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()
        return self.channels[name]

    def posted(self, method: str = "chat.postMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def history(self, name_or_id: str) -> list[dict[str, Any]]:
        cid = name_or_id if name_or_id in self.messages else self.channel_id(name_or_id)
        return self.messages.get(cid, [])

    # ---- the API ----------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        method = url.path.rsplit("/", 1)[-1]
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(url.query).items()}
        ctype = h.headers.get("Content-Type") or ""
        if raw and "json" in ctype:
            args.update(json.loads(raw))
        elif raw:
            args.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        for k in ("blocks", "metadata", "view"):
            if isinstance(args.get(k), str):
                args[k] = json.loads(args[k])
        auth = h.headers.get("Authorization")
        with self._lock:
            self.calls.append(Call(method, args, auth))
            failure = next((f for f in self.failures if f.method in (None, method) and f.times > 0), None)
            if failure is not None:
                failure.times -= 1
                self.failures = [f for f in self.failures if f.times > 0]
                body = {"ok": False, "error": failure.error or ("ratelimited" if failure.status == 429 else "internal")}
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                self._reply(h, failure.status, body, headers)
                return
            if auth != f"Bearer {self.token}":
                self._reply(h, 200, {"ok": False, "error": "invalid_auth"})
                return
            status, body = self._api(method, args)
        self._reply(h, status, body)

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _resolve(self, channel: str) -> str | None:
        if channel.lstrip("#") in self.missing:
            return None
        if channel in self.messages or (channel.startswith("C") and channel.upper() == channel and "#" not in channel
                                        and channel in self.channels.values()):
            return channel
        return self.channel_id(channel)

    def _api(self, method: str, a: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "team_id": "T1"}
        if method == "chat.postMessage":
            cid = self._resolve(str(a.get("channel", "")))
            if cid is None:
                return 200, {"ok": False, "error": "channel_not_found"}
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
            msg = {"type": "message", "ts": ts, "text": a.get("text"), "blocks": a.get("blocks"),
                   "metadata": a.get("metadata"), "thread_ts": a.get("thread_ts"), "bot_id": "B1"}
            self.messages.setdefault(cid, []).append(msg)
            return 200, {"ok": True, "channel": cid, "ts": ts, "message": msg}
        if method == "chat.update":
            cid = str(a.get("channel"))
            for m in self.messages.get(cid, []):
                if m["ts"] == a.get("ts"):
                    m["text"], m["blocks"] = a.get("text"), a.get("blocks")
                    return 200, {"ok": True, "channel": cid, "ts": m["ts"], "text": m["text"], "message": m}
            return 200, {"ok": False, "error": "message_not_found"}
        if method in ("chat.postEphemeral", "views.open"):
            return 200, {"ok": True, "message_ts": "1700000000.999999"} if method == "chat.postEphemeral" else \
                {"ok": True, "view": {"id": "V1", **(a.get("view") or {})}}
        if method == "conversations.history":
            cid = str(a.get("channel"))
            if cid not in self.messages and cid not in self.channels.values():
                return 200, {"ok": False, "error": "channel_not_found"}
            top = list(reversed([m for m in self.messages.get(cid, []) if not m.get("thread_ts")]))
            limit = int(a.get("limit") or 100)
            at = int(str(a.get("cursor") or "0").removeprefix("next:") or 0)  # Slack's cursors are opaque
            page, more = top[at:at + limit], at + limit < len(top)
            return 200, {"ok": True, "messages": page, "has_more": more,
                         "response_metadata": {"next_cursor": f"next:{at + limit}" if more else ""}}
        if method == "conversations.replies":
            cid, ts = str(a.get("channel")), str(a.get("ts"))
            msgs = [m for m in self.messages.get(cid, []) if m["ts"] == ts or m.get("thread_ts") == ts]
            return 200, {"ok": True, "messages": msgs, "has_more": False}
        if method == "conversations.list":
            return 200, {"ok": True, "channels": [{"id": i, "name": n} for n, i in self.channels.items()],
                         "response_metadata": {"next_cursor": ""}}
        return 200, {"ok": False, "error": "unknown_method"}
