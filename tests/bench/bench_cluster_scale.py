"""Cluster scale: 30 partner stations x 4 machines publish to one local mosquitto, the reference
receiver (``shopfloor cluster-receiver``, its own process) stores into SQLite (and PostgreSQL
when ``tests/pg_support.py`` can start one), and the cluster view's query
(:func:`app.cluster.view.cluster_overview`) polls the database every ``refresh_s`` of the
``[cluster]`` default, as the Cluster tab does. Freshness is the time from a machine summary's
creation (its ``created``/``end``) to the moment that poll first returns it, which is when the
screen's row shows it (filling 30 rows takes milliseconds more). Target: p99 < 2 s. Baseline in
the same run: one station x 4 machines.

Run: ``.venv/bin/python tests/bench/bench_cluster_scale.py [seconds] [interval_s]``
(default 20 s per scenario, a 1 s summary interval: 60 times the default rate of 60 s).

Per station and interval: 4 machine OEE summaries, 16 tag summaries (4 per machine), one
status and one order progress: 22 messages, all created at the same aligned instant as real
stations do (the worst burst). Each station is its own paho client (MQTT 5, QoS 1).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select

from app.cluster.view import cluster_overview
from app.config.cluster import ClusterConfig
from app.storage.database import open_database
from app.sync.receiver import messages
from tests.cluster_support import Partner, Sender
from tests.mqtt_support import Broker
from tests.pg_support import PostgresServer, postgres_bin, server_user
from tests.waiting import read_until

MACHINES = ("m1", "m2", "m3", "m4")
TAGS = ("temp", "pressure", "speed", "current")


def tag_summary(p: Partner, device: str, tag: str, end: float) -> tuple[str, dict]:
    data = {
        "device": device, "tag": tag, "unit": "", "start": end - 1, "end": end, "count": 10,
        "good": 10, "good_fraction": 1.0, "min": 1.0, "max": 2.0, "mean": 1.5, "std": 0.3,
        "last": 1.7, "last_ts": end - 0.1,
    }  # fmt: skip
    return p.message("summary", f"summary/{device}/{tag}", data, created=end)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def scenario(url: str, stations: int, seconds: float, interval: float) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    broker = Broker(tmp / "broker").start()
    receiver = subprocess.Popen(
        [sys.executable, "-m", "app", "cluster-receiver", "--broker", broker.url, "--db", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert receiver.stderr is not None
    read_until(receiver.stderr, "receiving shopfloor/v1/#", timeout=60)
    partners = [Partner(f"WS-{i:02d}", line=f"L{i % 3 + 1}") for i in range(stations)]
    senders = [Sender(broker, client_id=f"bench-{i}") for i in range(stations)]
    database = open_database(url)
    latencies: list[float] = []
    query_s: list[float] = []
    stop = threading.Event()
    published = 0

    refresh_s = ClusterConfig().refresh_s

    def poll() -> None:
        newest: dict[tuple[str, str], float] = {}
        t0 = time.perf_counter() - refresh_s
        while not stop.wait(max(0.0, refresh_s - (time.perf_counter() - t0))):
            t0 = time.perf_counter()
            overview = cluster_overview(database, time.time())
            seen = time.time()
            query_s.append(time.perf_counter() - t0)
            for partner in overview:
                for m in partner.machines:
                    key = (partner.station, m.device)
                    if m.end is not None and m.end > newest.get(key, 0.0):
                        newest[key] = m.end
                        latencies.append(seen - m.end)

    poller = threading.Thread(target=poll, name="view-poll", daemon=True)
    poller.start()
    started = time.time()
    tick = (int(started / interval) + 1) * interval
    rounds = 0
    try:
        while tick < started + seconds:
            time.sleep(max(0.0, tick - time.time()))  # the bench's clock, not a readiness wait
            now = time.time()
            for p, sender in zip(partners, senders, strict=True):
                batch = [p.status([True] * len(MACHINES), at=now)]
                for device in MACHINES:
                    batch.append(p.oee(device, 0.8, 50, 1, at=now))
                    batch.extend(tag_summary(p, device, tag, now) for tag in TAGS)
                batch.append(p.order(f"WO-{p.key[-2:]}", 1000, rounds, "on_time", now, now + 9e4))
                sender.send(batch, wait=False)
                published += len(batch)
            rounds += 1
            tick += interval
        expected = rounds * stations * len(MACHINES)
        deadline = time.time() + 30
        while len(latencies) < expected and time.time() < deadline:
            time.sleep(0.05)
        elapsed = time.time() - started
    finally:
        stop.set()
        poller.join(10)
        for sender in senders:
            sender.close()
        receiver.terminate()
        receiver.wait(30)
        broker.stop()
    with database.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(messages)).scalar_one()
    database.dispose()
    return {
        "stations": stations,
        "rounds": rounds,
        "published": published,
        "stored": stored,
        "msg_per_s": published / elapsed,
        "seen": len(latencies),
        "expected": expected,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "query_ms": statistics.median(query_s) * 1000,
    }


def report(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:<22} {int(r['stations']):>3} stations  {int(r['published']):>6} published "
        f"({r['msg_per_s']:.0f} msg/s), {int(r['stored'])} stored; freshness of "
        f"{int(r['seen'])}/{int(r['expected'])} machine summaries: p50 {r['p50'] * 1000:.0f} ms, "
        f"p95 {r['p95'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms, max "
        f"{r['max'] * 1000:.0f} ms; view query median {r['query_ms']:.1f} ms",
        flush=True,
    )


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    print(
        f"{seconds:g} s per scenario, one summary interval every {interval:g} s, the view "
        f"refreshed every {ClusterConfig().refresh_s:g} s",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-db-"))
    results = []
    for name, stations in (("sqlite baseline", 1), ("sqlite", 30)):
        url = f"sqlite:///{tmp / name.replace(' ', '-')}.db"
        results.append((name, scenario(url, stations, seconds, interval)))
        report(*results[-1])
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("postgresql: not installed (Debian package 'postgresql'): skipped")
    else:
        server = PostgresServer(bin_dir, server_user())
        server.start()
        try:
            for name, stations in (("postgresql baseline", 1), ("postgresql", 30)):
                results.append((name, scenario(server.new_database(), stations, seconds, interval)))
                report(*results[-1])
        finally:
            server.stop()
    worst = max(r["p99"] for _, r in results)
    print(f"worst p99 {worst * 1000:.0f} ms: {'OK' if worst < 2.0 else 'MISSED'} (target < 2 s)")


if __name__ == "__main__":
    main()
