"""What stands between a client and the emulator in the network tests: a TLS front with a certificate for a
name that is not loopback, and a SOCKS5 proxy. Both run on 127.0.0.1 in threads of their own.

The client reaches loopback without a proxy whatever its settings, so a test that wants a proxy in the way
names a host the client cannot resolve (`FRONT_HOST`): only the proxy knows it, and sends it to the front,
which ends TLS with a certificate for that name and relays the plain bytes to the emulator.
"""

from __future__ import annotations

import datetime as dt
import select
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

#: A name only the test proxies resolve (to 127.0.0.1).
FRONT_HOST = "opus.test"


def relay(one: socket.socket, other: socket.socket, *, idle_s: float = 10.0) -> None:
    """Copy bytes both ways until either side closes (a TLS side's buffered bytes are read before waiting)."""
    ends = [one, other]
    while True:
        buffered = [end for end in ends if isinstance(end, ssl.SSLSocket) and end.pending()]
        ready = buffered or select.select(ends, [], [], idle_s)[0]
        if not ready:
            return
        for end in ready:
            try:
                data = end.recv(65536)
            except OSError:
                return
            if not data:
                return
            (other if end is one else one).sendall(data)


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (its own trust anchor) and its key, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "front.crt", directory / "front.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _Server:
    """A listening socket on 127.0.0.1 whose connections are each handled in a thread."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_and_close, args=(conn,), daemon=True).start()

    def _serve_and_close(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.serve(conn)
            except OSError:
                pass

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)


class TLSFront(_Server):
    """TLS for `FRONT_HOST` on 127.0.0.1, relaying plain bytes to ``upstream_port`` (an emulator without TLS).

    A client trusts it through ``ca_file`` and reaches it as ``https://opus.test:{port}`` through a proxy.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.ca_file, key_file = _certificate(Path(tempfile.mkdtemp(prefix="opus-front-")), FRONT_HOST)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.ca_file, key_file)
        super().__init__()
        self.url = f"https://{FRONT_HOST}:{self.port}"

    def serve(self, conn: socket.socket) -> None:
        with self._context.wrap_socket(conn, server_side=True) as tls:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10) as upstream:
                relay(tls, upstream)


class Socks5Proxy(_Server):
    """A SOCKS5 proxy without authentication that resolves the names in ``hosts`` itself; ``.relayed``
    lists each CONNECT as ``host:port``."""

    def __init__(self, hosts: Mapping[str, str]) -> None:
        self.hosts = dict(hosts)
        self.relayed: list[str] = []
        super().__init__()
        self.url = f"socks5h://127.0.0.1:{self.port}"

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = conn.makefile("rb")
        _version, n_methods = reader.read(2)
        reader.read(n_methods)
        conn.sendall(b"\x05\x00")  # no authentication
        _version, command, _reserved, kind = reader.read(4)
        if kind == 3:
            host = reader.read(reader.read(1)[0]).decode()
        elif kind == 1:
            host = socket.inet_ntoa(reader.read(4))
        else:
            host = socket.inet_ntop(socket.AF_INET6, reader.read(16))
        (port,) = struct.unpack("!H", reader.read(2))
        if command != 1:
            conn.sendall(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
            return
        self.relayed.append(f"{host}:{port}")
        with socket.create_connection((self.hosts.get(host, host), port), timeout=10) as upstream:
            conn.sendall(b"\x05\x00\x00\x01" + bytes(6))
            relay(conn, upstream)
