"""Drain of a 100,000-message outbox backlog to a local mosquitto, against a bare paho QoS 1
publish loop in the same run. Target: ours / bare >= 0.8.

Run: ``.venv/bin/python tests/bench/bench_sync_drain.py [messages] [rounds]``.

The bare loop publishes the same payload bytes with the same client settings (paho 2, MQTT 5,
QoS 1, paho's network thread, at most 1,000 unacknowledged like ours, kept by a semaphore:
paho's own in-flight limit scans every message in flight on each PUBACK, which is slower)
and waits for the last PUBACK. Ours starts
the production publisher on a real SQLite outbox prefilled with summaries (prefilling is not
timed), without a replay rate limit (``drain_rate = 0``), and stops the clock when every
message was acknowledged; the delivery marks are then committed and checked.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from app.config import SyncConfig
from app.sync.outbox import OutboxMessage, OutboxState, OutboxWriteKind
from app.sync.publisher import WINDOW, MqttPublisher
from tests.alarm_support import close_gateways, open_gateway
from tests.mqtt_support import Broker, Collector
from tests.test_sync_mqtt import INFO, summary


def bare_loop(broker: Broker, payload: bytes, count: int, inflight: int) -> tuple[float, float]:
    """Messages per second of a plain paho QoS 1 publish loop, and CPU µs per message."""
    done = threading.Event()
    window = threading.Semaphore(inflight)
    acked = 0

    def on_publish(*_: object) -> None:
        nonlocal acked
        acked += 1
        window.release()
        if acked == count:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bare", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(0)  # the semaphore is the window
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    started = time.perf_counter()
    cpu = time.process_time()
    for _ in range(count):
        window.acquire()
        client.publish("bench/bare/summary/press/force", payload, qos=1)
    assert done.wait(120), f"only {acked} of {count} acknowledged"
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    client.disconnect()
    client.loop_stop()
    return count / elapsed, cpu / count * 1e6


def ours(broker: Broker, directory: Path, count: int) -> tuple[float, float]:
    """Messages per second of the production publisher draining a prefilled outbox, and CPU
    µs per message (all of this process's threads: sender, network, reader, writer)."""
    db = directory / "station.db"
    gateway = open_gateway(db)
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    for start in range(0, count, 10_000):
        gateway.submit(
            kind,
            [
                OutboxMessage("summary", "summary/press/force", summary(n))
                for n in range(start, min(count, start + 10_000))
            ],
        )
        assert gateway.flush(60)
    config = SyncConfig(broker=broker.url, drain_rate=0, backlog_warning=10 * count)
    publisher = MqttPublisher(config, INFO, gateway, state)
    started = time.perf_counter()
    cpu = time.process_time()
    publisher.start()
    while publisher.status.delivered < count:
        time.sleep(0.01)  # the measurement's own poll of the status (not a test wait)
    elapsed = time.perf_counter() - started
    assert gateway.flush(60)  # the delivery marks are part of the job
    cpu = time.process_time() - cpu
    publisher.stop()
    conn = sqlite3.connect(db)
    acked = conn.execute("SELECT count(*) FROM sync_outbox WHERE outcome = 'acked'").fetchone()
    conn.close()
    assert acked == (count,), acked
    close_gateways()
    db.unlink()
    return count / elapsed, cpu / count * 1e6


def live_latency(broker: Broker, directory: Path, backlog: int, rate: float) -> list[float]:
    """Seconds from a live message's commit to its arrival at a subscriber, while a backlog of
    ``backlog`` messages drains at ``rate`` per second (the default ``drain_rate``)."""
    db = directory / "latency.db"
    gateway = open_gateway(db)
    state = OutboxState()
    kind = gateway.register(OutboxWriteKind(state))
    gateway.submit(
        kind, [OutboxMessage("summary", "summary/press/force", summary(n)) for n in range(backlog)]
    )
    assert gateway.flush(60)
    arrived: dict[str, float] = {}
    collector = Collector(broker, "shopfloor/v1/#", client_id="latency")
    collector.client.on_message = lambda c, u, m: arrived.setdefault(
        json.loads(m.payload).get("id", ""), time.time()
    )
    publisher = MqttPublisher(SyncConfig(broker=broker.url, drain_rate=rate), INFO, gateway, state)
    publisher.start()
    while not publisher.status.connected:  # made before the connection is backlog, not live
        time.sleep(0.01)
    sent: dict[str, float] = {}
    for _ in range(20):
        message = OutboxMessage("summary", "summary/press/live", summary(0))
        gateway.submit(kind, [message])
        sent[message.id] = time.time()
        time.sleep(0.5)  # one live message every half second during the drain
    deadline = time.time() + 60
    while not set(sent) <= set(arrived) and time.time() < deadline:
        time.sleep(0.05)
    publisher.stop()
    collector.close()
    close_gateways()
    return sorted(arrived[i] - t for i, t in sent.items() if i in arrived)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker = Broker(directory / "broker", extra=("persistence false",)).start()
        # The exact bytes ours sends for one summary (the envelope included).
        payload = (
            b'{"v":1,"id":"6d2b9ff4-7547-479b-9c48-03b37ef0070a","seq":1,"kind":"summary",'
            b'"created":1796338472.9205363,"historical":true,"station":{"company":"Hanbit EV",'
            b'"site":"Ulsan","line":"Line 3","station":"WS-01"},"data":'
            + json.dumps(summary(1), separators=(",", ":")).encode()
            + b"}"
        )
        bare_rates, our_rates, bare_cpu, our_cpu = [], [], [], []
        try:
            for round_ in range(rounds):
                rate, cpu = bare_loop(broker, payload, count, WINDOW)
                bare_rates.append(rate)
                bare_cpu.append(cpu)
                rate, cpu = ours(broker, directory, count)
                our_rates.append(rate)
                our_cpu.append(cpu)
                print(
                    f"round {round_ + 1}: bare paho {bare_rates[-1]:,.0f} msg/s "
                    f"({bare_cpu[-1]:.0f} µs CPU/msg), outbox drain {our_rates[-1]:,.0f} msg/s "
                    f"({our_cpu[-1]:.0f} µs CPU/msg), ratio {our_rates[-1] / bare_rates[-1]:.2f}"
                )
            latencies = live_latency(broker, directory, 20_000, 500.0)
        finally:
            broker.stop()
    print(
        f"live latency during a 20,000-message replay at 500/s: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
        f"({len(latencies)}/20 arrived; target: under one interval)"
    )
    bare, mine = statistics.median(bare_rates), statistics.median(our_rates)
    cpu_ratio = statistics.median(bare_cpu) / statistics.median(our_cpu)
    print(
        f"median of {rounds}: bare {bare:,.0f} msg/s, drain {mine:,.0f} msg/s, "
        f"ratio {mine / bare:.2f} (target >= 0.8); CPU per message bare/ours {cpu_ratio:.2f} "
        f"(the same ratio without the other processes' load); {count:,} messages"
    )


if __name__ == "__main__":
    main()
