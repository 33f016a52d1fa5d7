"""A small forward proxy on 127.0.0.1 that counts what it relayed: absolute-form requests are relayed
over http.client, CONNECT is tunnelled (for https through a proxy). It resolves the names in ``hosts``
itself (a name the client cannot resolve), and with ``credentials`` it asks for them (407) as a company
proxy does."""

from __future__ import annotations

import base64
import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}


class _Relay(BaseHTTPRequestHandler):
    """A forward proxy's one connection: absolute-form requests relayed over http.client, CONNECT tunnelled."""

    protocol_version = "HTTP/1.1"
    server: ForwardProxy

    def authorized(self) -> bool:
        """Whether the request carries the proxy's credentials (when it wants any); else a 407 is sent."""
        wanted = self.server.credentials
        if wanted is None or self.headers.get("Proxy-Authorization") == "Basic " + base64.b64encode(wanted.encode()).decode():
            return True
        self.send_response(407, "Proxy Authentication Required")
        self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def relay(self) -> None:
        target = urlsplit(self.path)
        self.server.count(f"{self.command} {self.path}")
        if not self.authorized():
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        upstream.request(
            self.command, target.path + (f"?{target.query}" if target.query else ""), body=body or None, headers=headers
        )
        answer = upstream.getresponse()
        content = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_DELETE = relay

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        self.server.count(f"CONNECT {self.path}")
        if not self.authorized():
            return
        upstream = socket.create_connection((self.server.hosts.get(host, host), int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        ends = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(ends, [], [], 10)
                if not ready:
                    return
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class ForwardProxy(ThreadingHTTPServer):
    """A small forward proxy on 127.0.0.1 that counts what it relayed."""

    daemon_threads = True

    def __init__(self, hosts: dict[str, str] | None = None, credentials: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Relay)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.hosts = hosts or {}
        self.credentials = credentials  # "user:password"
        self.relayed: list[str] = []
        self._lock = threading.Lock()

    def count(self, line: str) -> None:
        with self._lock:
            self.relayed.append(line)
