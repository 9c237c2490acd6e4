"""Modbus RTU at 115200 baud: achieved bus utilisation vs the theoretical frame times.

Run: ``.venv/bin/python tests/bench/bench_modbus_rtu.py [--seconds 3]``. A socat pty pair
stands in for the RS-485 line; the server holds each answer back for the time the request and
the answer would take on a real 115200-baud 8N1 line (plus the two 1.75 ms inter-frame
silences), so the theoretical time of every transaction is known. Utilisation = theoretical
time of the transactions made / elapsed time. Same run, same blocks:

* bare: a pymodbus ``ModbusSerialClient`` loop (baseline);
* driver: one ``ModbusRtuDriver`` polling back to back;
* shared bus: three units on the same port, one thread each (FIFO turns).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pymodbus.client import ModbusSerialClient

from drivers.modbus.bus import LineSettings
from drivers.modbus.rtu import ModbusRtuDriver, frame_time_s
from drivers.modbus.transport import READ_METHODS
from tests.modbus_helpers import device_config
from tests.servers.modbus_server import Memory, ModbusLogic, ModbusRtuServer
from tests.servers.ptypair import PtyPair

BAUD = 115200
TAGS = (
    [{"name": f"f{i}", "type": "float32", "address": 2 * i} for i in range(60)]  # 120 registers
    + [{"name": f"w{i}", "type": "uint16", "address": 500 + i} for i in range(10)]
    + [{"name": f"c{i}", "type": "bool", "table": "coil", "address": i} for i in range(32)]
)


def device(port: str, unit: int):
    return device_config(
        "modbus-rtu",
        {"port": port, "baudrate": BAUD, "parity": "N", "device_id": unit, "turnaround_s": 0.05},
        TAGS,
        name=f"u{unit}",
    )


def bare(port: str, blocks: list, seconds: float) -> tuple[int, float]:
    client = ModbusSerialClient(port, baudrate=BAUD, parity="N", timeout=0.2, retries=0)
    client.connect()
    calls = [(getattr(client, READ_METHODS[b.table]), b.start, b.count) for b in blocks]
    requests, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for method, start, count in calls:
            assert not method(start, count=count, device_id=1).isError()
            requests += 1
    elapsed = time.perf_counter() - started
    client.close()
    return requests, elapsed


def drivers(port: str, units: list[int], seconds: float) -> tuple[dict[int, int], float]:
    cycles = dict.fromkeys(units, 0)
    stop = threading.Event()

    def poll(unit: int) -> None:
        dev = device(port, unit)
        driver = ModbusRtuDriver(dev)
        driver.connect()
        while not stop.is_set():
            assert not driver.read(dev.tags).errors
            cycles[unit] += 1
        driver.close()

    threads = [threading.Thread(target=poll, args=(u,)) for u in units]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(10)
    return cycles, time.perf_counter() - started


def dead_unit_on_shared_bus(port: str, seconds: float, period: float = 0.1) -> None:
    """Three units polled by device workers; unit 9 is not on the line and never answers."""
    import numpy as np

    from app.config_loader import parse_config
    from app.model import Quality, SampleBatch
    from app.tags import TagTable
    from app.worker import DeviceWorker

    small = [{"name": f"w{i}", "type": "uint16", "address": i} for i in range(10)]
    devices = [
        device_config(
            "modbus-rtu",
            {"port": port, "baudrate": BAUD, "parity": "N", "device_id": u, "turnaround_s": 0.05},
            small,
            name=f"u{u}",
            poll_period_s=period,
        ).model_dump(by_alias=True, exclude_none=True)
        for u in (1, 2, 9)
    ]
    station = parse_config(
        {"station": {"company": "b", "site": "b", "line": "b", "station": "b"}, "devices": devices}
    )
    times: dict[str, list[float]] = {"u1": [], "u2": []}  # the healthy units
    lock = threading.Lock()

    def publish(item: object) -> None:
        good = isinstance(item, SampleBatch) and (item.quality == Quality.GOOD).all()
        if good and item.device in times:
            with lock:
                times[item.device].append(time.monotonic())

    table = TagTable(station)
    workers = [DeviceWorker(d, table, publish) for d in station.devices]
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.join(5)
    jitter = np.concatenate([np.abs(np.diff(times[n][5:]) - period) * 1000 for n in times])
    dead = workers[2].diagnostics()
    print(
        f"  shared bus, unit 9 dead (period {period:g} s): healthy units {len(times['u1'])} and "
        f"{len(times['u2'])} good cycles of ~{seconds / period:.0f}; jitter median "
        f"{np.median(jitter):.2f} ms, over 5 ms in {100 * np.mean(jitter > 5):.1f} % of cycles, "
        f"p99 {np.percentile(jitter, 99):.2f} ms, max {jitter.max():.2f} ms; dead unit used the "
        f"line {dead.requests} times"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Modbus RTU bus utilisation")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    line = LineSettings("-", BAUD, 8, "N", 1)
    with PtyPair() as pty:
        logic = ModbusLogic({unit: Memory() for unit in (1, 2, 3)})
        with ModbusRtuServer(pty.b, logic, baudrate=BAUD, emulate_wire=True):
            probe = ModbusRtuDriver(device(pty.a, 1))
            blocks = probe.plan(probe.device.tags).blocks
            cycle_s = sum(frame_time_s(line, b.table, b.count) for b in blocks)
            print(
                f"{len(TAGS)} tags in {len(blocks)} requests per cycle; theoretical cycle "
                f"{cycle_s * 1000:.2f} ms at {BAUD} baud 8N1"
            )
            requests, elapsed = bare(pty.a, blocks, args.seconds)
            bare_util = requests / len(blocks) * cycle_s / elapsed
            print(
                f"  bare pymodbus loop   {requests / elapsed:6.1f} requests/s  utilisation "
                f"{100 * bare_util:5.1f} %"
            )
            done, elapsed = drivers(pty.a, [1], args.seconds)
            util = done[1] * cycle_s / elapsed
            print(
                f"  driver, one unit     {done[1] * len(blocks) / elapsed:6.1f} requests/s  "
                f"utilisation {100 * util:5.1f} %  (driver/bare {util / bare_util:.3f})"
            )
            done, elapsed = drivers(pty.a, [1, 2, 3], args.seconds)
            total = sum(done.values())
            util = total * cycle_s / elapsed
            print(
                f"  shared bus, 3 units  {total * len(blocks) / elapsed:6.1f} requests/s  "
                f"utilisation {100 * util:5.1f} %  cycles per unit "
                f"{', '.join(str(done[u]) for u in sorted(done))}"
            )
            dead_unit_on_shared_bus(pty.a, args.seconds * 2)
            timeout = probe.request_timeout_s("holding", 120)
            print(
                f"  answer timeout for 120 registers: {timeout * 1000:.1f} ms "
                f"(wire {frame_time_s(line, 'holding', 120) * 1000:.1f} ms + turnaround 50 ms)"
            )


if __name__ == "__main__":
    main()
