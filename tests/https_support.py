"""A real HTTPS ingest endpoint for the sync tests: Python's ThreadingHTTPServer with an ssl
context whose certificate comes from a test CA made by the test (trustme).

It keeps every batch it accepted, and can be told to answer otherwise: ``fail_next`` (status
codes for the next requests), ``refuse`` (a 4xx for a batch holding a message whose data has a
given key), ``max_bytes`` (413 above it), ``drop_answer_once`` (store the batch, then close the
connection without answering: the client must send it again under the same key).
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

from tests.conftest import free_tcp_port


class Ingest:
    """What the endpoint received and how it should answer (shared with the handler)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: list[dict[str, Any]] = []  # accepted: {"key", "auth", "body"}
        self.requests = 0
        self.fail_next: list[int] = []
        self.refuse: tuple[str, int] | None = None  # (data key, status)
        self.max_bytes: int | None = None
        self.drop_answer_once = False
        self.token: str | None = None

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for b in self.batches for m in b["body"]["messages"]]

    def deduped(self) -> list[dict[str, Any]]:
        """What a receiver keeps: the first copy of each message id."""
        seen: set[str] = set()
        kept = []
        for m in self.messages():
            if m["id"] not in seen:
                seen.add(m["id"])
                kept.append(m)
        return kept


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        ingest = self.server.ingest
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with ingest.lock:
            ingest.requests += 1
            forced = ingest.fail_next.pop(0) if ingest.fail_next else None
            drop = ingest.drop_answer_once
        if forced is not None:
            return self._answer(forced, {"Retry-After": "0.1"} if forced == 429 else {})
        if (
            ingest.token is not None
            and self.headers.get("Authorization") != f"Bearer {ingest.token}"
        ):
            return self._answer(401)
        if ingest.max_bytes is not None and len(raw) > ingest.max_bytes:
            return self._answer(413)
        body = json.loads(raw)
        if ingest.refuse is not None:
            key, code = ingest.refuse
            if any(key in m["data"] for m in body["messages"]):
                return self._answer(code)
        with ingest.lock:
            ingest.batches.append(
                {
                    "key": self.headers.get("Idempotency-Key"),
                    "auth": self.headers.get("Authorization"),
                    "body": body,
                }
            )
            if drop:
                ingest.drop_answer_once = False
        if drop:  # stored, but the client never hears it: it must send the batch again
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self._answer(200)

    def _answer(self, code: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    ingest: Ingest


class HttpsEndpoint:
    """The endpoint on a free loopback port; :meth:`stop` and :meth:`start` keep the port."""

    def __init__(self, directory: Path, ca: trustme.CA | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.ca = ca or trustme.CA()
        self.ca_file = directory / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.port = free_tcp_port()
        self.ingest = Ingest()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/ingest"

    def start(self) -> HttpsEndpoint:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.cert.configure_cert(context)
        server = _Server(("127.0.0.1", self.port), _Handler)  # bound and listening: ready
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.ingest = self.ingest
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
