"""The MQTT publisher: sends the outbox in order, QoS 1, and marks a message delivered only on
its PUBACK.

One thread, ``sync-mqtt``, makes a new paho client per connection (paho's own reconnection
is off, so every session starts clean) and sends; paho's network thread of that client reads
the PUBACKs, which its callbacks only record:

* connect (TLS, user name and a password read from the environment variable the config names);
  a refusal or an unreachable host becomes a :class:`SyncStatus` with a message id and a retry
  after a backoff that doubles from 1 s up to ``retry_max_s``; never an exception;
* a retained birth message (``state``: online) after CONNACK, and the same topic as the last
  will (offline), so the cluster sees the station drop;
* messages committed after the connection are *live* and go first; what waited in the outbox
  when the connection came (the backlog, from an outage or a restart) is replayed in order,
  flagged ``historical``, at most ``drain_rate`` per second, so live summaries are never starved;
* at most ``WINDOW`` messages are unacknowledged at a time; each PUBACK becomes a delivery mark
  handed to the gateway (the ``sync_delivered`` kind). A broker's refusal of one message (MQTT 5
  reason code) marks it rejected with the reason: reported, never retried forever.

A message sent but not acknowledged when the connection drops stays undelivered and is replayed
(flagged historical) on the next connection; a receiver drops a duplicate by its id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from app.config import StationInfo, SyncConfig
from app.messages import Message
from app.storage.database import Database
from app.storage.gateway import DatabaseGateway, WriteKind
from app.sync.connection import SetupError, refusal, sync_client
from app.sync.outbox import (
    ACKED,
    REJECTED,
    DeliveredWriteKind,
    Delivery,
    OutboxState,
    RetryRejected,
    RetryWriteKind,
    StoredMessage,
    count_rejected,
    oldest_pending,
    read_pending,
    read_seqs,
)
from app.sync.split import Part, split
from app.sync.topics import station_root

log = logging.getLogger(__name__)

THREAD_NAME = "sync-mqtt"
#: Most messages handed to the broker and not yet acknowledged.
WINDOW = 1000
READ_CHUNK = 1000
#: Least free room in the window before the next read from the outbox.
MIN_ROOM = WINDOW // 4
CONNECT_TIMEOUT_S = 10.0
PAYLOAD_VERSION = 1
NO_ANSWER = "no answer to CONNECT"

#: PUBACK reasons for a message too large: packet too large, and mosquitto's answer to a payload
#: over its ``message_size_limit`` (implementation specific error).
_TOO_LARGE = {0x95, 0x83}
#: Bytes of a PUBLISH packet besides topic and payload (fixed header, lengths, packet id,
#: MQTT 5 properties), rounded up.
PACKET_OVERHEAD = 16
MQTT_MAX_PAYLOAD = 268_435_455
PROBE = Part("00000000-0000-0000-0000-000000000000", 999, 999, "")


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """A snapshot of the publisher, for the status bar and the log (never touches I/O)."""

    connected: bool = False
    message: Message = field(default_factory=lambda: Message("sync.off"))
    last_error: Message | None = None
    backlog: int = 0
    oldest: float | None = None
    """When the oldest message waiting was made (None: nothing waits, or not known yet)."""
    backlog_warning: bool = False
    last_delivered: float | None = None
    sent: int = 0
    delivered: int = 0
    rejected: int = 0
    sessions: int = 0


class MqttPublisher:
    """Publishes the outbox of one station to one broker."""

    name = "mqtt"
    thread_name = THREAD_NAME

    def __init__(
        self,
        config: SyncConfig,
        info: StationInfo,
        gateway: DatabaseGateway,
        state: OutboxState,
        *,
        environ: Callable[[str], str | None] = os.environ.get,
        keyring_get: Callable[[str, str], str | None] | None = None,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.state = state
        self.environ = environ
        self.keyring_get = keyring_get
        self.root = station_root(config.topic_prefix, info)
        self.client_id = config.client_id or f"shopfloor-{info.station}"[:64]
        self.broker = f"{config.host}:{config.port}"
        self.target = self.broker
        station = json.dumps(
            {
                "company": info.company,
                "site": info.site,
                "line": info.line,
                "station": info.station,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self._station_json = station
        self._deliveries = self._register(DeliveredWriteKind(self._marks_committed))
        self._retry_kind = self._register(RetryWriteKind(self._requeued))
        self._retry: deque[int] = deque()  # rejected messages the operator sends again
        self._oldest: float | None = None
        self._oldest_asked = 0.0
        self._lock = threading.Lock()
        self._status = SyncStatus(backlog=state.undelivered)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # PUBACKs as the network loop reports them: (mid, reason code); read by the same thread.
        self._acks: deque[tuple[int, ReasonCode | None]] = deque()
        # mid -> (message, historical, bytes sent): a message refused as too large is split.
        self._unacked: dict[int, tuple[StoredMessage, bool, int]] = {}
        # seq -> [parts not yet answered, the first refusal] of a message sent in parts.
        self._parts: dict[int, list[Any]] = {}
        self._learned_limit: int | None = None
        # The first message unacknowledged when a connection died, sent alone next time.
        self._probe: tuple[StoredMessage, bool] | None = None
        self._probing = False
        self._marked: set[int] = set()  # acknowledged, mark not yet committed
        self._marked_lock = threading.Lock()
        self._connack: ReasonCode | None = None
        self._wake = threading.Event()  # a PUBACK, a commit, a state change of the connection
        self._lost: str | None = None
        self._max_packet: int | None = None
        self._drain_until = 0.0
        # Counters written by the sending thread only (status reads them).
        self._sent = 0
        self._delivered = 0
        self._rejected = gateway.read(count_rejected).result(30)  # what waits for a retry
        self._last_delivered: float | None = None
        self._warned = False
        self.listeners: list[Callable[[SyncStatus], None]] = []
        state.listeners.append(self._wake.set)  # a new message wakes the sender at once

    def _register(self, kind: WriteKind[Any]) -> WriteKind[Any]:
        if self.name != MqttPublisher.name:  # a subclass's own kinds: a name of their own
            kind.name = f"{kind.name}_{self.name}"
        return self.gateway.register(kind)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0, drain_s: float = 1.0) -> None:
        """Send what is committed for up to ``drain_s`` (when connected), say offline,
        disconnect and end the thread; undelivered messages stay in the outbox for the next
        start."""
        self._drain_until = time.monotonic() + drain_s
        self._stop.set()
        self.state.poke()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def retry_failed(self) -> None:
        """Send the rejected messages again (any thread; returns at once): their marks are
        cleared in the outbox, then the sender replays them, flagged historical."""
        self.gateway.submit(self._retry_kind, [RetryRejected()])

    def _requeued(self, seqs: list[int]) -> None:
        with self._marked_lock:
            self._marked.difference_update(seqs)
        self.state.requeued(len(seqs))
        self._rejected = max(0, self._rejected - len(seqs))
        self._retry.extend(seqs)
        self._wake.set()

    @property
    def status(self) -> SyncStatus:
        backlog = self.state.undelivered  # counted as messages commit, also while offline
        with self._lock:
            status = self._status
        warn = backlog >= self.config.backlog_warning
        return _replace(
            status,
            backlog=backlog,
            backlog_warning=warn,
            sent=self._sent,
            delivered=self._delivered,
            rejected=self._rejected,
            last_delivered=self._last_delivered,
            oldest=self._oldest if backlog else None,
        )

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                delivered_before = self.status.delivered
                started = time.monotonic()
                self._session(backoff)
                if time.monotonic() - started > 30 or self.status.delivered > delivered_before:
                    backoff = 1.0  # the connection worked: start the backoff afresh
            except Exception as exc:  # never let the thread die; say it and retry
                log.exception("sync publisher failed")
                self._set_error(Message("sync.lost", self._params(backoff, detail=str(exc))))
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self.config.retry_max_s)

    def _params(self, retry_s: float, **extra: Any) -> dict[str, Any]:
        return {"broker": self.broker, "retry_s": retry_s, "client_id": self.client_id, **extra}

    def _new_client(self) -> mqtt.Client | Message:
        try:
            client = sync_client(
                self.config,
                self.client_id,
                environ=self.environ,
                keyring_get=self.keyring_get,
                reconnect_on_failure=False,  # each session is a new client: no reconnect behind us
            )
        except SetupError as exc:
            return exc.message
        # Our own window caps what is unacknowledged; paho's limit would scan every message in
        # flight on each PUBACK (O(window) per message), so it is off (0: no limit).
        client.max_inflight_messages_set(0)
        client.max_queued_messages_set(0)
        client.will_set(self.root + "/state", self._state_payload(False), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    def _state_payload(self, online: bool) -> str:
        return (
            f'{{"v":{PAYLOAD_VERSION},"online":{"true" if online else "false"},'
            f'"ts":{time.time()!r},"station":{self._station_json}}}'
        )

    def _session(self, backoff: float) -> None:
        self._update_backlog()  # the warning also while no broker answers
        self._set_status(connected=False, message=Message("sync.connecting", self._params(0)))
        made = self._new_client()
        if isinstance(made, Message):
            made = Message(made.id, {**made.params, "retry_s": backoff})
            self._set_error(made)
            return
        client = made
        self._connack = None
        self._lost = None
        self._acks.clear()
        self._unacked.clear()
        self._parts.clear()
        try:
            client.connect(self.config.host, self.config.port, keepalive=self.config.keepalive_s)
        except ssl.SSLError as exc:
            self._set_error(Message("sync.tls", self._params(backoff, detail=_reason(exc))))
            return
        except (OSError, ValueError) as exc:
            self._set_error(Message("sync.unreachable", self._params(backoff, detail=_reason(exc))))
            return
        client.loop_start()  # paho's network thread: reads PUBACKs while this one sends
        try:
            deadline = time.monotonic() + CONNECT_TIMEOUT_S
            while self._connack is None and self._lost is None and not self._stop.is_set():
                if time.monotonic() > deadline:
                    self._lost = NO_ANSWER
                    break
                self._sleep(0.1)
            if self._connack is None or self._connack.is_failure:
                self._refused(backoff)
                return
            self._set_status(
                connected=True,
                message=Message("sync.connected", self._params(0)),
                sessions=self.status.sessions + 1,
            )
            log.info("sync: connected to %s as %s", self.broker, self.client_id)
            self._connected(client)
            if self._lost is not None and not self._stop.is_set():
                self._set_error(Message("sync.lost", self._params(backoff, detail=self._lost)))
        finally:
            if self._stop.is_set() and self._lost is None:
                self._goodbye(client)
            with contextlib.suppress(Exception):  # the socket may be gone already
                client.disconnect()
            client.loop_stop()
            self._settle()
            if self._lost is not None:
                self._after_loss()

    # -- a message that closes the connection ----------------------------------------------

    def _after_loss(self) -> None:
        """Remember the first message the broker did not acknowledge when the connection died.

        A broker closes the connection on a packet over its limit (MQTT 3.1.1 with
        ``max_packet_size``) and paho drops it on a PUBACK it cannot read (mosquitto's answer to
        a payload over ``message_size_limit``): sent again and again, such a message would stop
        the drain forever. So the next session sends that message alone first; if the connection
        dies again with it alone in flight, it is taken as too large: split or reported.
        """
        if not self._unacked:
            self._probe = None
            return
        m, historical, size = next(iter(self._unacked.values()))  # the first one sent
        probe = self._probe
        if self._probing and probe is not None and probe[0].seq == m.seq:
            log.warning(
                "sync: the connection died again on message %d alone (%d bytes)", m.seq, size
            )
            self._learned_limit = min(self._learned_limit or size, size - 1)
        self._probe = (m, historical)
        self._probing = False

    def _send_probe(self, client: mqtt.Client) -> bool:
        """Send the suspect of the last lost connection alone; False: the connection died."""
        if self._probe is None:
            return True
        m, historical = self._probe
        self._probing = True
        self._send(client, [m], historical)
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while self._unacked and self._lost is None and not self._stop.is_set():
            if time.monotonic() > deadline:
                break
            self._sleep(0.05)
            self._settle(client)
        if self._lost is not None:
            return False
        self._probing = False
        self._probe = None
        return True

    def _connected(self, client: mqtt.Client) -> None:
        """The session's work once the broker accepted it: birth message, then the outbox."""
        client.publish(self.root + "/state", self._state_payload(True), qos=1, retain=True)
        if self._send_probe(client):
            self._drain(client)

    def _refused(self, backoff: float) -> None:
        code = self._connack
        if code is None and self._lost == NO_ANSWER:
            message = Message("sync.unreachable", self._params(backoff, detail=self._lost))
        elif code is None:  # dropped between the handshake and CONNACK
            hint = "sync.closed.tls" if self.config.uses_tls else "sync.closed"
            message = Message(hint, self._params(backoff, detail=self._lost or ""))
        else:
            message = refusal(code, self._params(backoff))
        self._set_error(message)

    def _goodbye(self, client: mqtt.Client) -> None:
        """Say offline ourselves: a clean disconnect does not send the last will."""
        info = client.publish(self.root + "/state", self._state_payload(False), qos=1, retain=True)
        deadline = time.monotonic() + 1.0
        while not info.is_published() and time.monotonic() < deadline and self._lost is None:
            self._sleep(0.05)
            self._settle()

    # -- sending ---------------------------------------------------------------------------

    def _drain(self, client: mqtt.Client) -> None:
        boundary = self.state.newest_seq  # older: backlog (historical); newer: live
        live_after = boundary
        replay_after = 0
        replay_done = False
        rate = self.config.drain_rate
        burst = max(1.0, rate / 4)  # a quarter second's worth: live messages never wait long
        tokens = burst if rate else float("inf")
        last = time.monotonic()
        while self._lost is None:
            self._settle(client)
            if self._stop.is_set():  # stopping: finish what is live, briefly
                caught_up = not self._unacked and self.state.newest_seq <= live_after
                if caught_up or time.monotonic() > self._drain_until:
                    break
                replay_done = True
            if self._retry:  # the operator's retry of rejected messages
                seqs = [self._retry.popleft() for _ in range(len(self._retry))]
                self._learned_limit = None  # the broker may take more now: learn afresh
                self._send(client, self._read_seqs(seqs), historical=True)
            room = WINDOW - len(self._unacked)
            if room < MIN_ROOM:  # read in chunks: every read costs a query
                self._sleep(0.05)
                continue
            newest = self.state.newest_seq  # committed, so everything up to it is readable
            if newest > live_after:
                batch, read_upto = self._read(live_after, newest, min(room, READ_CHUNK))
                if read_upto is not None:
                    live_after = read_upto
                    self._send(client, batch, historical=False)
                    continue
                live_after = newest  # all of it delivered meanwhile
            if not replay_done:
                if rate:
                    now = time.monotonic()
                    tokens = min(burst, tokens + (now - last) * rate)
                    last = now
                want = int(min(room, READ_CHUNK, tokens))
                if want > 0:
                    batch, read_upto = self._read(replay_after, boundary, want)
                    if read_upto is None:
                        replay_done = True
                        log.info("sync: backlog replayed")
                    else:
                        replay_after = read_upto
                        tokens -= len(batch)
                        self._send(client, batch, historical=True)
                    continue
                self._sleep(min(0.05, 1.0 / rate) if rate else 0.01)
                continue
            self._sleep(0.1)

    def _read_seqs(self, seqs: list[int]) -> list[StoredMessage]:
        def query(database: Database) -> list[StoredMessage]:
            return read_seqs(database, seqs)

        return self.gateway.read(query).result(30)

    def _read(
        self, after: int, upto: int | None, limit: int
    ) -> tuple[list[StoredMessage], int | None]:
        """Undelivered messages after ``after`` (without those acknowledged whose marks are not
        committed yet), and the last number read (None: nothing left)."""
        rows = self.gateway.read(lambda db: read_pending(db, after, upto, limit)).result(30)
        if not rows:
            return [], None
        last = rows[-1].seq
        with self._marked_lock:
            if self._marked:
                rows = [r for r in rows if r.seq not in self._marked]
        return rows, last

    def _limit(self) -> int | None:
        """The most bytes one PUBLISH packet may have: the broker's maximum packet size (its
        CONNACK), the configured ``max_message_bytes``, what a PUBACK taught us; None: any."""
        limits = [n for n in (self._max_packet, self._learned_limit) if n is not None]
        if self.config.max_message_bytes is not None:
            # The configured limit is on the payload (mosquitto's message_size_limit).
            limits.append(self.config.max_message_bytes + PACKET_OVERHEAD)
        return min(limits) if limits else None

    def _envelope(self, m: StoredMessage, flag: str, data: str, part: Part | None) -> bytes:
        if part is None:
            head = f'{{"v":{PAYLOAD_VERSION},"id":"{m.id}","seq":{m.seq},'
        else:
            head = (
                f'{{"v":{PAYLOAD_VERSION},"id":"{part.id}","seq":{m.seq},'
                f'"part":{{"of":"{m.id}","index":{part.index},"count":{part.count}}},'
            )
        return (
            f'{head}"kind":"{m.kind}","created":{m.created!r},"historical":{flag},'
            f'"station":{self._station_json},"data":{data}}}'
        ).encode()

    def _send(self, client: mqtt.Client, batch: Sequence[StoredMessage], historical: bool) -> None:
        flag = "true" if historical else "false"
        sent = 0
        limit = self._limit()
        for m in batch:
            topic = f"{self.root}/{m.topic}"
            overhead = len(topic.encode()) + PACKET_OVERHEAD
            payload = self._envelope(m, flag, m.payload, None)
            if limit is not None and len(payload) + overhead > limit:
                room = limit - overhead
                parts = split(m.id, m.payload, self._fits(m, flag, room))
                if parts is None:
                    self._too_large(m, len(payload), room)
                    continue
                log.info(
                    "sync: message %d split into %d parts (%d bytes)",
                    m.seq,
                    len(parts),
                    len(payload),
                )
                self._parts[m.seq] = [len(parts), None]
                for part in parts:
                    data = self._envelope(m, flag, part.data, part)
                    if not self._publish(client, topic, data, m, historical):
                        break
                    sent += 1
                if self._lost is not None:
                    break
                continue
            if not self._publish(client, topic, payload, m, historical):
                if self._lost is not None:
                    break
                continue
            sent += 1
        self._sent += sent  # this thread only; read as a whole number by others

    def _fits(self, m: StoredMessage, flag: str, room: int) -> Callable[[str], bool]:
        """Whether a part's body fits in ``room`` bytes inside its envelope."""

        def fits(data: str) -> bool:
            return len(self._envelope(m, flag, data, PROBE)) <= room

        return fits

    def _publish(
        self, client: mqtt.Client, topic: str, payload: bytes, m: StoredMessage, historical: bool
    ) -> bool:
        info = client.publish(topic, payload, qos=1)
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self._unacked[info.mid] = (m, historical, len(payload))
            return True
        if info.rc == mqtt.MQTT_ERR_PAYLOAD_SIZE:
            self._too_large(m, len(payload), MQTT_MAX_PAYLOAD)
        else:
            self._lost = mqtt.error_string(info.rc)
        return False

    def _too_large(self, m: StoredMessage, size: int, limit: int) -> None:
        params = {"seq": m.seq, "id": m.id, "size": size, "limit": limit, "sink": self.broker}
        self._reject(
            m.seq, f"{size} bytes, the broker takes {limit}", Message("sync.too_large", params)
        )

    def _reject(self, seq: int, detail: str, message: Message | None = None) -> None:
        log.error("sync: message %d rejected: %s", seq, detail)
        self._parts.pop(seq, None)
        with self._marked_lock:
            self._marked.add(seq)
        self.gateway.submit(self._deliveries, [Delivery(seq, REJECTED, detail, time.time())])
        self.state.delivered(1)
        self._rejected += 1
        if message is None:
            message = Message("sync.rejected", {"seq": seq, "detail": detail})
        with self._lock:
            self._status = _replace(self._status, last_error=message)

    def _settle(self, client: mqtt.Client | None = None) -> None:
        """Turn the PUBACKs the network loop reported into delivery marks."""
        if not self._acks:
            return
        marks: list[Delivery] = []
        now = time.time()
        while self._acks:
            mid, code = self._acks.popleft()
            sent = self._unacked.pop(mid, None)
            if sent is None:
                continue  # the birth or goodbye message
            m, historical, size = sent
            failed = code is not None and code.is_failure
            parts = self._parts.get(m.seq)
            if parts is not None:  # a part: the message is decided by its last part
                parts[0] -= 1
                if failed and parts[1] is None:
                    parts[1] = str(code)
                if parts[0] > 0:
                    continue
                del self._parts[m.seq]
                if parts[1] is not None:
                    self._reject(m.seq, f"a part: {parts[1]}")
                    continue
            elif failed:
                if (
                    code is not None
                    and code.value in _TOO_LARGE
                    and client is not None
                    and size > 1
                ):
                    # The broker's limit was not known (MQTT 3.1.1, message_size_limit): learn
                    # it and send the message again, split (or report it).
                    self._learned_limit = min(self._learned_limit or size, size - 1)
                    log.info("sync: broker refused %d bytes (%s); limit learned", size, code)
                    self._send(client, [m], historical)
                    continue
                self._reject(m.seq, str(code))
                continue
            marks.append(Delivery(m.seq, ACKED, None, now))
        if marks:
            with self._marked_lock:
                self._marked.update(d.seq for d in marks)
            self.gateway.submit(self._deliveries, marks)
            self.state.delivered(len(marks))
            self._delivered += len(marks)
            self._last_delivered = now
        self._update_backlog()

    def _marks_committed(self, items: Sequence[Delivery]) -> None:
        with self._marked_lock:
            self._marked.difference_update(d.seq for d in items)

    def _update_backlog(self) -> None:
        now = time.monotonic()
        if now - self._oldest_asked > 2.0:  # for the sync screen: how old the backlog is
            self._oldest_asked = now
            future = self.gateway.read(oldest_pending)
            future.add_done_callback(self._oldest_read)
        backlog = self.state.undelivered
        warn = backlog >= self.config.backlog_warning
        if warn and not self._warned:
            limit = self.config.backlog_warning
            log.warning(
                "sync: %s", Message("sync.backlog", {"count": backlog, "limit": limit}).render()
            )
        self._warned = warn

    def _oldest_read(self, future: Any) -> None:
        if future.exception() is None:
            self._oldest = future.result()

    def _sleep(self, timeout: float) -> None:
        """Wait for a PUBACK, a commit or a change of the connection, at most ``timeout``."""
        self._wake.wait(timeout)
        self._wake.clear()

    # -- paho callbacks (paho's network thread; they only record and wake) ------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        self._connack = code
        self._wake.set()
        if props is not None and getattr(props, "MaximumPacketSize", None):
            self._max_packet = int(props.MaximumPacketSize)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if self._lost is None:
            self._lost = str(code) if code is not None else "disconnected"
        self._wake.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, code: Any, props: Any) -> None:
        self._acks.append((mid, code if isinstance(code, ReasonCode) else None))
        # Wake the sender when a read's worth of room is free or nothing is left in flight,
        # not on every PUBACK (that would hand the GIL back and forth for each message).
        acks = len(self._acks)
        if acks >= MIN_ROOM or acks >= len(self._unacked):
            self._wake.set()

    # -- status ----------------------------------------------------------------------------

    def _set_status(self, **changes: Any) -> None:
        with self._lock:
            self._status = _replace(self._status, **changes)
            status = self._status
        for listener in self.listeners:
            listener(status)

    def _set_error(self, message: Message) -> None:
        log.warning("sync: %s", message.render())
        self._set_status(connected=False, message=message, last_error=message)


def _replace(status: SyncStatus, **changes: Any) -> SyncStatus:
    values = {name: getattr(status, name) for name in SyncStatus.__dataclass_fields__}
    values.update(changes)
    return SyncStatus(**values)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or "certificate not trusted"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
