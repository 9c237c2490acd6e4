"""Requests per poll cycle for a scattered 1000-tag Modbus map vs the fewest possible.

Run: ``.venv/bin/python tests/bench/bench_modbus_blocks.py``. For several ``max_gap`` settings it
prints, from the same run: one request per tag (the naive baseline), the requests the driver's
plan makes, the requests a loopback server actually counted for one cycle, and the minimum
computed independently by dynamic programming over the same tags (target: equal).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from drivers.modbus.blocks import BIT_TABLES, MAX_BITS, MAX_REGISTERS, Span, minimum_requests
from drivers.modbus.tcp import ModbusTcpDriver
from tests.modbus_helpers import device_config
from tests.servers.modbus_server import ModbusTcpServer

TYPES = ["int16", "uint16", "float32", "float32", "int32", "float64", "uint64", "bool"]


def scattered_map(count: int, seed: int = 3) -> list[dict]:
    """Tags in clusters with random gaps over all four tables, like a real PLC map."""
    rng = random.Random(seed)
    tags: list[dict] = []
    cursor = {"holding": 0, "input": 0, "coil": 0, "discrete": 0}
    for index in range(count):
        table = rng.choices(["holding", "input", "coil", "discrete"], [6, 2, 1, 1])[0]
        if table in BIT_TABLES:
            cursor[table] += rng.choice([1, 1, 2, 5, 40, 300])
            tags.append(
                {"name": f"t{index}", "type": "bool", "table": table, "address": cursor[table]}
            )
            continue
        data_type = rng.choice(TYPES)
        cursor[table] += rng.choice([0, 0, 1, 2, 3, 6, 10, 30, 200])
        tag = {"name": f"t{index}", "type": data_type, "table": table, "address": cursor[table]}
        if data_type == "bool":
            tag["bit"] = rng.randrange(16)
            size = 1
        else:
            size = {"int16": 1, "uint16": 1, "float32": 2, "int32": 2}.get(data_type, 4)
        cursor[table] += size
        tags.append(tag)
    return tags


def minimum(tags: list, max_gap: int, max_bit_gap: int) -> int:
    total = 0
    for table in ("coil", "discrete", "holding", "input"):
        spans = [
            Span(i, t.address, 1 if table in BIT_TABLES else t.register_count)
            for i, t in enumerate(tags)
            if t.table == table
        ]
        bit = table in BIT_TABLES
        total += minimum_requests(
            spans,
            max_gap=max_bit_gap if bit else max_gap,
            max_block=MAX_BITS if bit else MAX_REGISTERS,
        )
    return total


def main() -> None:
    raw = scattered_map(1000)
    print(f"scattered map: {len(raw)} tags")
    print(f"{'max_gap':>8} {'naive':>6} {'plan':>6} {'server':>7} {'minimum':>8} {'plan ms':>8}")
    with ModbusTcpServer() as server:
        for max_gap, max_bit_gap in ((0, 0), (8, 128), (32, 512), (124, 1999)):
            conn = {
                "host": "127.0.0.1",
                "port": server.port,
                "max_gap": max_gap,
                "max_bit_gap": max_bit_gap,
            }
            device = device_config("modbus-tcp", conn, raw)
            driver = ModbusTcpDriver(device)
            started = time.perf_counter()
            plan = driver.plan(device.tags)
            plan_ms = (time.perf_counter() - started) * 1000
            driver.connect()
            before = server.logic.requests
            readings = driver.read(device.tags)
            counted = server.logic.requests - before
            driver.close()
            assert not readings.errors, readings.errors
            best = minimum([driver.points[t.name] for t in device.tags], max_gap, max_bit_gap)
            print(
                f"{max_gap:>8} {len(raw):>6} {len(plan.blocks):>6} {counted:>7} {best:>8} "
                f"{plan_ms:>8.1f}   plan/minimum = {len(plan.blocks) / best:.2f}"
            )


if __name__ == "__main__":
    main()
