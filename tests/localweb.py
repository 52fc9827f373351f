"""A small web server on 127.0.0.1 for the tracking tests: no test reaches the internet.

Routes are set per test: a path maps to a ``Reply`` (status, content type, body,
headers, a delay) or to a function of the request's headers that returns one.
Every request is logged with its path and User-Agent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow server)


@dataclass
class Request:
    path: str
    user_agent: str
    headers: dict


class LocalWeb:
    def __init__(self):
        self.routes: dict[str, Reply | Callable[[dict], Reply]] = {}
        self.requests: list[Request] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                headers = {key.lower(): value for key, value in self.headers.items()}
                web.requests.append(Request(self.path, headers.get("user-agent", ""), headers))
                route = web.routes.get(self.path)
                reply = route(headers) if callable(route) else route
                if reply is None:
                    reply = Reply(404, "text/html", b"<html><body><h1>Not Found</h1></body></html>")
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, body: str | bytes, **reply) -> str:
        """Serve ``body`` at ``path`` and return its URL."""
        self.routes[path] = Reply(body=body.encode("utf-8") if isinstance(body, str) else body, **reply)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(request.path == path for request in self.requests)

    def __enter__(self) -> LocalWeb:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
