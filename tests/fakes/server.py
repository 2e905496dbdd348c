"""A tiny fake HTTP server on 127.0.0.1 for the connector tests (stdlib only).

Each fake service registers routes ``(method, path-regex) -> handler(Request) -> Reply`` and
names the paths that faults apply to (the data endpoints, not login or version probes). A test
then calls :meth:`FakeServer.inject` to make those paths answer 429, 500, a timeout, malformed
JSON or 401 in the service's own wire format.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PAYLOADS = Path(__file__).resolve().parents[1] / "integration" / "connectors" / "payloads"

FAULTS = ("429", "500", "timeout", "malformed", "401")


def payload(name: str) -> Any:
    """A JSON payload from ``tests/integration/connectors/payloads``."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    groups: tuple[str, ...] = ()
    raw_url: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, (bytes, bytearray)):
            data = bytes(self.body)
        elif isinstance(self.body, str):
            data = self.body.encode()
        else:
            data = json.dumps(self.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return data, headers


def json_reply(body: Any, status: int = 200, /, **headers: str) -> Reply:
    return Reply(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


Handler = Callable[[Request], Reply]


@dataclass
class Fault:
    kind: str
    times: int | None  # None: every matching request
    delay: float = 1.5


class FakeServer:
    """Threaded HTTP server; ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.fault_paths: list[re.Pattern[str]] = []
        self.fault_replies: dict[str, Callable[[], Reply]] = {}
        self.fault: Fault | None = None
        self.requests: list[Request] = []
        self.fail_on: Callable[[Request], Reply | None] | None = None
        #: the service's clock for reset headers (harnesses set it to the fetch's ``now``)
        self.clock: Callable[[], float] = time.time
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _serve(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                parts = urlsplit(self.path)
                req = Request(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    raw_url=self.path,
                )
                reply = server.dispatch(req)
                if reply is None:  # timeout fault: the client has given up already
                    return
                data, headers = reply.encoded()
                self.send_response(reply.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                # One request per connection: a client never reuses a socket the fake is closing
                # (a keep-alive race showed up as RemoteDisconnected under load).
                self.send_header("Connection", "close")
                self.close_connection = True
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- configuration -------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), handler))

    def faults_on(self, *patterns: str) -> None:
        self.fault_paths.extend(re.compile(p + r"\Z") for p in patterns)

    def inject(self, kind: str, times: int | None = None, delay: float = 1.5) -> None:
        """Make the data paths fail with ``kind`` (see :data:`FAULTS`), ``times`` times or always."""
        assert kind in FAULTS, kind
        self.fault = Fault(kind, times, delay)

    def clear(self) -> None:
        self.fault = None
        self.fail_on = None

    # -- serving -------------------------------------------------------------------------------
    def _fault_reply(self, req: Request) -> Reply | bool | None:
        with self._lock:
            f = self.fault
            if f is None or not any(p.match(req.path) for p in self.fault_paths):
                return False
            if f.times is not None:
                f.times -= 1
                if f.times <= 0:
                    self.fault = None
        if f.kind == "timeout":
            time.sleep(f.delay)
            return None
        if f.kind in self.fault_replies:
            return self.fault_replies[f.kind]()
        return default_fault_reply(f.kind, self.clock())

    def dispatch(self, req: Request) -> Reply | None:
        self.requests.append(req)
        if self.fail_on is not None:
            r = self.fail_on(req)
            if r is not None:
                return r
        fr = self._fault_reply(req)
        if fr is not False:
            return fr  # type: ignore[return-value]
        for method, pattern, handler in self.routes:
            m = pattern.match(req.path)
            if m and method == req.method:
                req.groups = m.groups()
                return handler(req)
        return json_reply({"error": "not found", "path": req.path}, 404)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path_regex: str) -> list[Request]:
        p = re.compile(path_regex + r"\Z")
        return [r for r in self.requests if p.match(r.path)]


def default_fault_reply(kind: str, now: float) -> Reply:
    reset = str(int(now) + 30)
    if kind == "429":
        headers = {"Retry-After": "30", "X-RateLimit-Reset": reset}
        return json_reply({"error": "Too Many Requests"}, 429, **headers)
    if kind == "500":
        return json_reply({"error": "Internal Server Error"}, 500)
    if kind == "malformed":
        return Reply(200, b'{"hits": [ {"objectID": ', {"Content-Type": "application/json; charset=utf-8"})
    if kind == "401":
        return json_reply({"error": "Unauthorized"}, 401)
    raise AssertionError(kind)
