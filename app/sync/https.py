"""The HTTPS sink: the outbox POSTed in batches to a platform's REST endpoint (httpx).

One thread, ``sync-https``, sends strictly in ``seq`` order, one batch at a time:

* a batch is up to ``batch_size`` messages and ``batch_bytes`` bytes of JSON
  (``{"v": 1, "station": {...}, "messages": [<envelope + topic>, ...]}``), each message the
  same envelope as on MQTT (``id``, ``seq``, ``historical`` ...) plus its ``topic`` below the
  station's root; the ``Idempotency-Key`` header is a UUID 5 of the batch's message ids, so a
  batch sent again (after a timeout, a restart) has the same key, and every message keeps its
  id for a receiver that dedupes per message;
* delivered only on a 2xx answer: then the cursor moves past the batch (``sync_sink`` write
  kind, in ``sync_meta``);
* a transport error, a TLS failure, 408, 429, 5xx, and the answers that say the sink's set-up
  is wrong (401, 403, 404, 405, 407: the token, the URL) keep the batch and try it again after
  a wait that doubles from ``retry_min_s`` to ``retry_max_s``, times a random factor in
  [0.5, 1] (jitter: stations that lost the platform together do not come back together), or
  what ``Retry-After`` says; never an exception;
* 413 halves the batch; a single message too large is split by its list of records (as on
  MQTT) or marked failed (``sync.too_large``);
* any other 4xx is about the content: the batch is sent again one message per request, and the
  message the platform refuses is marked failed (``sync_failed``, ``sync.https.refused`` with
  its seq and id) and passed; the rest go on. An operator may retry the failed ones.

A message is ``historical`` when it waited while the platform was not reachable (at start,
everything committed before the first delivery): never overwrite a live value with it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from app.config import StationInfo
from app.config.sync import HttpsSinkConfig
from app.messages import Message
from app.secrets import remember
from app.storage.gateway import DatabaseGateway
from app.sync.outbox import OutboxState, StoredMessage
from app.sync.publisher import PAYLOAD_VERSION, SyncStatus
from app.sync.sinks import (
    Floor,
    SinkProgress,
    SinkProgressWriteKind,
    read_after,
    read_cursor,
    read_failed,
)
from app.sync.split import Part, split

if TYPE_CHECKING:  # httpx (and its command line: click, rich, pygments) loads with the sink
    import httpx

log = logging.getLogger(__name__)

THREAD_NAME = "sync-https"
SINK = "https"
#: Answers that say the sink's set-up is wrong (token, URL), not the message: wait and retry.
SETUP = {401, 403, 404, 405, 407}
RETRYABLE = {408, 425, 429}
KEY_NAMESPACE = uuid.UUID("6f1c2b0e-8f5d-4a57-9a8e-2f1d5c7b9e01")


def idempotency_key(ids: Sequence[str]) -> str:
    """The same for the same messages, every time."""
    return str(uuid.uuid5(KEY_NAMESPACE, ",".join(ids)))


class _Retry(Exception):
    """The batch stays; try again after a wait (``after``: what Retry-After says)."""

    def __init__(self, message: Message, after: float | None = None) -> None:
        super().__init__(message.id)
        self.message = message
        self.after = after


class HttpsSink:
    """Posts the outbox of one station to one HTTPS endpoint."""

    name = SINK

    def __init__(
        self,
        config: HttpsSinkConfig,
        info: StationInfo,
        gateway: DatabaseGateway,
        state: OutboxState,
        floor: Floor | None = None,
        *,
        environ: Callable[[str], str | None] = os.environ.get,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.state = state
        self.environ = environ
        self.rand = rand
        self.floor = floor if floor is not None else Floor()
        self.floor.set(SINK, 0)  # nothing after the cursor may be purged (cursor not read yet)
        self.target = config.url
        self._station = {
            "company": info.company,
            "site": info.site,
            "line": info.line,
            "station": info.station,
        }
        self._station_json = json.dumps(self._station, ensure_ascii=False, separators=(",", ":"))
        self._progress = gateway.register(SinkProgressWriteKind(SINK))
        self._lock = threading.Lock()
        self._status = SyncStatus(message=Message("sync.https.idle", {"url": config.url}))
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._retry_failed = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = 0  # the cursor: every message up to it is delivered or failed
        self._known = False  # the cursor was read
        self._down = True  # not delivered since start or since the last failure
        self._boundary = 0  # messages up to it are historical
        self._oldest: float | None = None
        self._sent = 0
        self._delivered = 0
        self._failed = 0  # messages on the failed list
        self._refused = 0  # refused in this run
        self._last_delivered: float | None = None
        self._one_by_one_until = 0  # after a 4xx on a batch: one message per request
        self.requests = 0
        self.listeners: list[Callable[[SyncStatus], None]] = []
        state.listeners.append(self._wake.set)
        self._read_cursor()  # the backlog is known before the thread starts

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def retry_failed(self) -> None:
        """Send the failed messages again (any thread; returns at once)."""
        self._retry_failed.set()
        self._wake.set()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            status = self._status
        backlog = max(0, self.state.newest_seq - self._done) if self._known else 0
        return _replace(
            status,
            backlog=backlog,
            oldest=self._oldest if backlog else None,
            sent=self._sent,
            delivered=self._delivered,
            rejected=self._failed,
            last_delivered=self._last_delivered,
        )

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        backoff = self.config.retry_min_s
        with self._client() as client:
            while not self._stop.is_set():
                try:
                    if not self._known:
                        self._read_cursor()
                    if self._retry_failed.is_set():
                        self._retry_failed.clear()
                        self._resend_failed(client)
                    if not self._step(client):
                        self._wake.wait(1.0)
                        self._wake.clear()
                    backoff = self.config.retry_min_s
                except _Retry as retry:
                    self._down = True
                    wait = backoff * (0.5 + 0.5 * self.rand())
                    if retry.after is not None:
                        wait = min(max(retry.after, 0.0), self.config.retry_max_s)
                    params = {**retry.message.params, "retry_s": round(wait, 1)}
                    message = Message(retry.message.id, params)
                    self._set_error(message)
                    self._stop.wait(wait)
                    backoff = min(backoff * 2, self.config.retry_max_s)
                except Exception as exc:  # never let the thread die; say it and retry
                    log.exception("sync https sink failed")
                    self._set_error(Message("sync.https.unreachable", self._params(backoff, exc)))
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.config.retry_max_s)

    def _client(self) -> httpx.Client:
        import httpx  # on the sink's thread: a station without HTTPS never loads it

        context = ssl.create_default_context(cafile=self.config.ca_file)
        return httpx.Client(verify=context, timeout=self.config.timeout_s)

    def _read_cursor(self) -> None:
        cursor, failed = self.gateway.read(lambda db: read_cursor(db, SINK)).result(30)
        self._done = cursor or 0
        self._failed = failed
        self._known = True
        self.floor.set(SINK, self._done)

    def _step(self, client: httpx.Client) -> bool:
        """Send the next batch; False when there was nothing to send."""
        limit = 1 if self._done < self._one_by_one_until else self.config.batch_size
        rows = self.gateway.read(lambda db: read_after(db, self._done, limit)).result(30)
        if not rows:
            self._oldest = None
            return False
        self._oldest = rows[0].created
        self._send(client, rows)
        return True

    def _send(self, client: httpx.Client, rows: list[StoredMessage]) -> None:
        if self._down:  # what waited while the platform was away is historical
            self._boundary = self.state.newest_seq
        bodies = [self._envelope(m, None) for m in rows]
        # Fit the batch into batch_bytes (a message larger than that goes alone).
        size, count = 0, 0
        for body in bodies:
            if count and size + len(body) + 1 > self.config.batch_bytes - 128:
                break
            size += len(body) + 1
            count += 1
        rows, bodies = rows[:count], bodies[:count]
        while True:
            answer = self._post(client, [m.id for m in rows], bodies)
            if answer == 413 and len(rows) > 1:
                half = len(rows) // 2
                rows, bodies = rows[:half], bodies[:half]
                continue
            break
        last = rows[-1]
        if 200 <= answer < 300:
            self._delivered_upto(last.seq, len(rows))
        elif answer == 413:
            self._too_large(client, last, len(bodies[0]))
        elif len(rows) > 1:
            # Something in the batch is refused: find it, one message per request.
            self._one_by_one_until = last.seq
            log.info("sync https: %d refused a batch; sending one by one", answer)
        else:
            reason = f"HTTP {answer}"
            self._fail(last, reason, Message("sync.https.refused", self._refusal(last, answer)))

    def _envelope(self, m: StoredMessage, part: Part | None) -> str:
        flag = "true" if m.seq <= self._boundary else "false"
        if part is None:
            head = f'{{"v":{PAYLOAD_VERSION},"id":"{m.id}","seq":{m.seq},'
            data = m.payload
        else:
            head = (
                f'{{"v":{PAYLOAD_VERSION},"id":"{part.id}","seq":{m.seq},'
                f'"part":{{"of":"{m.id}","index":{part.index},"count":{part.count}}},'
            )
            data = part.data
        topic = json.dumps(m.topic, ensure_ascii=False)
        return (
            f'{head}"kind":"{m.kind}","created":{m.created!r},"historical":{flag},'
            f'"station":{self._station_json},"topic":{topic},"data":{data}}}'
        )

    def _post(self, client: httpx.Client, ids: Sequence[str], bodies: Sequence[str]) -> int:
        """POST one batch; its HTTP status when the platform decided, else :class:`_Retry`."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(ids),
        }
        if self.config.token_env is not None:
            token = self.environ(self.config.token_env)
            if token is None:
                raise _Retry(Message("sync.https.no_token", {"variable": self.config.token_env}))
            remember(token)  # masked wherever it would be logged
            headers["Authorization"] = f"Bearer {token}"
        content = (
            f'{{"v":{PAYLOAD_VERSION},"station":{self._station_json},'
            f'"messages":[{",".join(bodies)}]}}'
        ).encode()
        self.requests += 1
        import httpx

        try:
            response = client.post(self.config.url, content=content, headers=headers)
        except httpx.ConnectError as exc:
            cause = _ssl_cause(exc)
            if cause is not None:
                raise _Retry(Message("sync.https.tls", self._params(0, cause))) from None
            raise _Retry(Message("sync.https.unreachable", self._params(0, exc))) from None
        except httpx.TransportError as exc:  # timeouts, a dropped connection, protocol errors
            raise _Retry(Message("sync.https.unreachable", self._params(0, exc))) from None
        code = response.status_code
        self._sent += len(bodies)
        if code in RETRYABLE or code in SETUP or code >= 500 or code < 200 or 300 <= code < 400:
            detail = response.reason_phrase or ""
            params = {"url": self.target, "code": code, "detail": detail, "retry_s": 0}
            raise _Retry(Message("sync.https.status", params), _retry_after(response))
        return code

    def _delivered_upto(self, seq: int, count: int) -> None:
        self._done = seq
        self.gateway.submit(self._progress, [SinkProgress(SINK, cursor=seq)])
        self.floor.set(SINK, seq)
        self._delivered += count
        self._last_delivered = time.time()
        if self._down:
            self._down = False
        with self._lock:
            self._status = _replace(
                self._status, connected=True, message=Message("sync.https.ok", {"url": self.target})
            )
        self._notify()

    def _too_large(self, client: httpx.Client, m: StoredMessage, size: int) -> None:
        """One message the platform refused with 413: split it by its records, or fail it."""
        room = size // 2
        parts = split(
            m.id, m.payload, lambda data: len(self._envelope(m, PROBE)) + len(data) <= room
        )
        if parts is not None:
            for part in parts:
                body = self._envelope(m, part)
                answer = self._post(client, [part.id], [body])
                if not 200 <= answer < 300:
                    break
            else:
                self._delivered_upto(m.seq, 1)
                return
        params = {"seq": m.seq, "id": m.id, "size": size, "limit": room, "sink": self.target}
        self._fail(m, f"{size} bytes: 413", Message("sync.too_large", params))

    def _fail(self, m: StoredMessage, reason: str, message: Message) -> None:
        log.error("sync https: message %d (%s) failed: %s", m.seq, m.id, reason)
        self._done = m.seq
        self.gateway.submit(
            self._progress, [SinkProgress(SINK, cursor=m.seq, failed=((m.seq, m.id, reason),))]
        )
        self.floor.set(SINK, m.seq)
        self._failed += 1
        self._refused += 1
        with self._lock:
            self._status = _replace(self._status, connected=True, last_error=message)
        self._notify()

    def _resend_failed(self, client: httpx.Client) -> None:
        """The operator's retry: each failed message once more, alone, flagged historical."""
        rows = self.gateway.read(lambda db: read_failed(db, SINK)).result(30)
        self._boundary = max(self._boundary, max((m.seq for m in rows), default=0))
        retried = []
        for m in rows:
            answer = self._post(client, [m.id], [self._envelope(m, None)])
            if 200 <= answer < 300:
                retried.append(m.seq)
        if retried:
            self.gateway.submit(self._progress, [SinkProgress(SINK, retried=tuple(retried))])
            self._failed = max(0, self._failed - len(retried))
            self._delivered += len(retried)
            self._last_delivered = time.time()
        log.info("sync https: %d of %d failed messages delivered on retry", len(retried), len(rows))

    # -- status ----------------------------------------------------------------------------

    def _params(self, retry_s: float, exc: BaseException | str) -> dict[str, Any]:
        detail = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
        return {"url": self.target, "detail": detail, "retry_s": retry_s}

    def _refusal(self, m: StoredMessage, code: int) -> dict[str, Any]:
        return {"url": self.target, "seq": m.seq, "id": m.id, "code": code}

    def _set_error(self, message: Message) -> None:
        log.warning("sync https: %s", message.render())
        with self._lock:
            self._status = _replace(
                self._status, connected=False, message=message, last_error=message
            )
        self._notify()

    def _notify(self) -> None:
        status = self.status
        for listener in self.listeners:
            listener(status)


PROBE = Part("00000000-0000-0000-0000-000000000000", 999, 999, "")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: our own backoff instead


def _ssl_cause(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or "certificate not trusted"
        if isinstance(seen, ssl.SSLError):
            return seen.reason or str(seen)
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return text if "CERTIFICATE" in text.upper() or "SSL" in text.upper() else None


def _replace(status: SyncStatus, **changes: Any) -> SyncStatus:
    values = {name: getattr(status, name) for name in SyncStatus.__dataclass_fields__}
    values.update(changes)
    return SyncStatus(**values)
