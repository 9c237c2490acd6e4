"""Modbus TCP under faults, through the real device workers.

Run: ``.venv/bin/python tests/bench/bench_modbus_faults.py [--hang 20] [--period 0.1]``.

1. Drop every 10th request (the server closes the connection instead of answering): share of
   poll cycles published with good values, requests per cycle vs a healthy run (baseline).
2. One device hangs for ``--hang`` seconds while three healthy devices are polled: recovery time
   (hang end -> first good batch), the largest request burst after recovery (requests per poll
   period and per second, vs the steady rate), and the healthy devices' poll jitter during the
   hang (deviation of publish intervals from the period; target < 5 ms).
3. The server process goes away for ``--down`` seconds (connections refused) and comes back on
   the same port: recovery time and requests per second after recovery.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.config_loader import parse_config
from app.model import Event, Quality, SampleBatch
from app.tags import TagTable
from app.worker import DeviceWorker
from tests.servers.modbus_server import ModbusTcpServer

ADDRESSES = (0, 40, 80, 120, 300)  # three blocks with the default max_gap of 8... (5 requests)


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[float, SampleBatch]] = []
        self.lock = threading.Lock()

    def __call__(self, item: SampleBatch | Event) -> None:
        if isinstance(item, SampleBatch):
            with self.lock:
                self.batches.append((time.monotonic(), item))

    def good(self, device: str) -> np.ndarray:
        with self.lock:
            return np.array(
                [
                    t
                    for t, b in self.batches
                    if b.device == device and (b.quality == Quality.GOOD).all()
                ]
            )


def config(servers: dict[str, ModbusTcpServer], period: float, timeout: float):
    devices = [
        {
            "name": name,
            "driver": "modbus-tcp",
            "poll_period_s": period,
            "timeout_s": timeout,
            "connection": {"host": "127.0.0.1", "port": server.port},
            "tags": [{"name": f"r{a}", "type": "float32", "address": a} for a in ADDRESSES],
        }
        for name, server in servers.items()
    ]
    return parse_config(
        {"station": {"company": "b", "site": "b", "line": "b", "station": "b"}, "devices": devices}
    )


def run(
    servers: dict[str, ModbusTcpServer], period: float, timeout: float, seconds: float, action=None
) -> tuple[Recorder, list[DeviceWorker]]:
    parsed = config(servers, period, timeout)
    table = TagTable(parsed)
    recorder = Recorder()
    workers = [DeviceWorker(d, table, recorder) for d in parsed.devices]
    for worker in workers:
        worker.start()
    if action is not None:
        threading.Thread(target=action, daemon=True).start()
    time.sleep(seconds)
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.join(5)
    return recorder, workers


def drop_scenario(period: float, seconds: float) -> None:
    print(f"== drop every 10th request ({seconds:g} s, period {period:g} s)")
    for drop in (0, 10):
        with ModbusTcpServer() as server:
            server.faults.drop_every = drop
            recorder, (worker,) = run({"d": server}, period, 1.0, seconds)
            diag = worker.diagnostics()
            good = len(recorder.good("d"))
            label = "healthy (baseline)" if drop == 0 else "drop every 10"
            print(
                f"  {label:<20} cycles attempted {diag.cycles_attempted:4d}  good published "
                f"{good:4d} ({100 * good / diag.cycles_attempted:5.1f} %)  requests/cycle "
                f"{server.logic.requests / diag.cycles_attempted:.2f}  reconnections "
                f"{server.connections - 1}"
            )


def hang_scenario(period: float, hang_s: float, timeout: float) -> None:
    print(
        f"== one device hangs {hang_s:g} s among 3 healthy ones (period {period:g} s, "
        f"timeout {timeout:g} s)"
    )
    names = ["hung", "ok1", "ok2", "ok3"]
    servers = {name: ModbusTcpServer().start() for name in names}
    marks: dict[str, float] = {}
    settle = 2.0

    def hang() -> None:
        time.sleep(settle)
        marks["start"] = time.monotonic()
        servers["hung"].faults.hang(hang_s)
        time.sleep(hang_s)
        marks["end"] = time.monotonic()

    try:
        recorder, _ = run(servers, period, timeout, settle + hang_s + 4.0, action=hang)
    finally:
        for server in servers.values():
            server.stop()
    hung = recorder.good("hung")
    after = hung[hung > marks["end"]]
    recovery = after[0] - marks["end"] if after.size else float("nan")
    times = np.array(servers["hung"].logic.request_times)
    steady_rate = len(ADDRESSES) / period
    post = times[times >= marks["end"]]
    # A window a bit shorter than the period holds one cycle's requests unless they burst.
    per_period = _max_in_window(post, 0.9 * period)
    per_second = _max_in_window(post, max(1.0, period) - 0.1 * period)
    print(
        f"  recovery after the hang ended: {recovery * 1000:.0f} ms "
        f"(target: one period = {period * 1000:.0f} ms)"
    )
    print(
        f"  after recovery: max {per_period} requests in any 0.9 period, {per_second} in any "
        f"{max(1.0, period) - 0.1 * period:g} s (scheduled: {len(ADDRESSES)} per period, "
        f"{steady_rate:.0f}/s; no burst means no more)"
    )
    jitters = []
    for name in names[1:]:
        good = recorder.good(name)
        window = good[(good > marks["start"]) & (good < marks["end"])]
        jitters.append(np.abs(np.diff(window) - period) * 1000)
    jitter = np.concatenate(jitters)
    print(
        f"  healthy devices during the hang: {jitter.size} intervals, jitter mean "
        f"{jitter.mean():.2f} ms, p99 {np.percentile(jitter, 99):.2f} ms, max {jitter.max():.2f} ms"
    )
    share = [len(recorder.good(n)) for n in names[1:]]
    expected = (settle + hang_s + 4.0) / period
    print(f"  healthy cycles published: {min(share)}..{max(share)} of ~{expected:.0f} scheduled")


def down_scenario(period: float, down_s: float, timeout: float) -> None:
    print(
        f"== server process gone for {down_s:g} s (connections refused), then back "
        f"(period {period:g} s)"
    )
    server = ModbusTcpServer().start()
    port = server.port
    marks: dict[str, float] = {}
    holder = {"server": server}

    def outage() -> None:
        time.sleep(2.0)
        marks["start"] = time.monotonic()
        holder["server"].stop()
        time.sleep(down_s)
        holder["server"] = ModbusTcpServer(port=port).start()
        marks["end"] = time.monotonic()

    try:
        recorder, (worker,) = run({"d": server}, period, timeout, 2.0 + down_s + 4.0, outage)
    finally:
        holder["server"].stop()
    good = recorder.good("d")
    after = good[good > marks["end"]]
    recovery = after[0] - marks["end"] if after.size else float("nan")
    times = np.array(holder["server"].logic.request_times)
    print(
        f"  recovery after the server came back: {recovery * 1000:.0f} ms; backoff cap "
        f"{worker._backoff.maximum:g} s; after recovery max "
        f"{_max_in_window(times, 0.9 * period)} requests in any 0.9 period "
        f"(scheduled {len(ADDRESSES)} per period)"
    )


def _max_in_window(times: np.ndarray, width: float) -> int:
    if times.size == 0:
        return 0
    ends = np.searchsorted(times, times + width)
    return int((ends - np.arange(times.size)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hang", type=float, default=20.0)
    parser.add_argument("--period", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--drop-seconds", type=float, default=10.0)
    parser.add_argument("--down", type=float, default=20.0)
    args = parser.parse_args()
    drop_scenario(args.period, args.drop_seconds)
    hang_scenario(args.period, args.hang, args.timeout)
    down_scenario(args.period, args.down, args.timeout)


if __name__ == "__main__":
    main()
