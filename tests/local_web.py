"""A real web server on 127.0.0.1 for fetch tests: each route answers with a status, headers and
a body, or writes to the socket itself (slowly, a byte at a time, without end)."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpcore

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        web = self.server.web
        web.hits[path] += 1
        web.requests.append((path, dict(self.headers.items())))
        route = web.routes.get(path)
        if route is None:
            self.answer(404, b"no such page", "text/plain")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)  # the client may stop reading, as it should past a limit

    def answer(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def stream(
        self, chunks: Iterator[bytes], content_type: str = "text/html", **headers: str
    ) -> None:
        """A body without Content-Length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        for chunk in chunks:
            if self.server.web.stopping.is_set():
                return
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    web: LocalWeb


class LocalWeb:
    """Routes by path; counts every request, so a test can show a refused URL was never hit."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.web = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        **headers: str,
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        self.routes[path] = lambda h: h.answer(status, data, content_type, named)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = lambda h: h.answer(status, b"", "text/plain", {"Location": location})

    def slow(self, path: str, seconds: float) -> None:
        """Headers only after `seconds` (or when the server stops)."""

        def route(handler: Handler) -> None:
            self.stopping.wait(seconds)
            handler.answer(200, b"late", "text/plain")

        self.routes[path] = route

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class LoopbackNetwork(httpcore.AsyncNetworkBackend):
    """Sockets for a test standing in for the internet: a connection to any address goes to the
    local server, and every address asked for is recorded."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connected: list[str] = []
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        return await self._inner.connect_tcp("127.0.0.1", self.port, timeout)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[LocalWeb]:
    web = LocalWeb(tls)
    web.start()
    try:
        yield web
    finally:
        web.stop()
