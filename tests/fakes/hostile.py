"""A hostile HTTP server on loopback: echoes credentials back in 401 bodies, serves garbage,
or hangs past the client's timeout. Counts the requests it received."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HostileServer:
    """``mode``: ``echo401`` | ``garbage`` | ``hang`` | ``html500``; may be changed while running."""

    def __init__(self, mode: str = "echo401", hang_s: float = 3.0) -> None:
        self.mode = mode
        self.hang_s = hang_s
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> HostileServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._handle(self)

            do_POST = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append((h.path, dict(h.headers)))
        auth = h.headers.get("Authorization") or ""
        if self.mode == "hang":
            self._stop.wait(self.hang_s)
            body, status, ctype = b"{}", 200, "application/json"
        elif self.mode == "garbage":
            body, status, ctype = b"\x00\xff{not json<<<" + bytes(range(256)), 200, "application/json"
        elif self.mode == "hn_empty":
            body, status, ctype = b'{"hits": [], "nbPages": 0, "page": 0, "nbHits": 0}', 200, "application/json"
        elif self.mode == "html500":
            body, status, ctype = b"<html><body>Internal error</body></html>", 500, "text/html"
        else:  # echo401: a server that repeats the credentials it was sent
            body = (f'{{"title":"Unauthorized","detail":"invalid token {auth} for {h.path}",'
                    f'"type":"about:blank","status":401}}').encode()
            status, ctype = 401, "application/json"
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout)


def wait_for(pred: Any, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False
