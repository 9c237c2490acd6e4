"""Plant simulator: how fast the model runs and what serving it over Modbus TCP costs.

Run: ``.venv/bin/python tests/bench/bench_simulator.py [--sim-seconds 3600] [--requests 2000]``.
All figures come from the same run:

* model: simulated seconds per wall second for :class:`Plant` (baseline: real time, 1x), and
  the CPU share the model thread needs at speed 1 (20 register-image snapshots a second);
* Modbus TCP round trip for one read of 14 holding registers, the simulator's server (fresh
  image copied in per request, silent-device filter) against a baseline pymodbus server with the
  same map held static, both in this process, read by a plain synchronous pymodbus client.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pymodbus.client import ModbusTcpClient
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from drivers.simulator import Plant, PlantSimulator
from drivers.simulator.modbus_server import ServerLoop


def bench_model(sim_seconds: float) -> tuple[float, float]:
    """(simulated seconds per wall second, wall seconds per snapshot)."""
    plant = Plant(seed=1, scenario="default")
    start = time.perf_counter()
    plant.advance_to(sim_seconds)
    model_rate = sim_seconds / (time.perf_counter() - start)
    sim = PlantSimulator(seed=1, scenario="default")
    start = time.perf_counter()
    rounds = 200
    for _ in range(rounds):
        sim._take_snapshot()  # the per-publish cost: readings + register images
    return model_rate, (time.perf_counter() - start) / rounds


def round_trips(port: int, requests: int) -> list[float]:
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=2.0)
    assert client.connect()
    times = []
    try:
        for i in range(requests):
            device_id = 1 + i % 4
            start = time.perf_counter()
            response = client.read_holding_registers(100, count=14, device_id=device_id)
            times.append(time.perf_counter() - start)
            assert not response.isError()
    finally:
        client.close()
    return times


def baseline_server(loop: ServerLoop) -> tuple[ModbusTcpServer, int]:
    """Plain pymodbus: four devices with 114 static holding registers each."""

    async def start() -> ModbusTcpServer:
        devices = [
            SimDevice(
                device_id,
                simdata=(
                    [SimData(0, values=[False] * 16, datatype=DataType.BITS)],
                    [SimData(0, values=[False] * 16, datatype=DataType.BITS)],
                    [SimData(0, values=list(range(114)), datatype=DataType.REGISTERS)],
                    [SimData(0, values=[0, 0], datatype=DataType.REGISTERS)],
                ),
            )
            for device_id in (1, 2, 3, 4)
        ]
        server = ModbusTcpServer(devices, address=("127.0.0.1", 0))
        await server.serve_forever(background=True)
        return server

    server = loop.call(start())
    return server, int(server.transport.sockets[0].getsockname()[1])  # type: ignore[attr-defined]


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.fmean(ordered) * 1e3, ordered[int(0.99 * (len(ordered) - 1))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-seconds", type=float, default=3600.0)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    rate, snapshot_s = bench_model(args.sim_seconds)
    model_cpu = 1.0 / rate  # wall seconds of model per simulated second
    publish_cpu = 20 * snapshot_s
    print(f"model: {rate:,.0f} simulated s per wall s = {rate:,.0f}x real time (baseline 1x)")
    print(
        f"model thread at speed 1: {100 * (model_cpu + publish_cpu):.2f} % of one core "
        f"(model {100 * model_cpu:.2f} %, 20 snapshots/s {100 * publish_cpu:.2f} %, "
        f"{snapshot_s * 1e3:.2f} ms each)"
    )

    loop = ServerLoop()
    base_server, base_port = baseline_server(loop)
    with PlantSimulator(seed=1, scenario="none", speed=1.0) as sim:
        handle = sim.serve_modbus_tcp("127.0.0.1", 0)
        round_trips(base_port, 200)  # warm up both
        round_trips(handle.port, 200)
        base = summary(round_trips(base_port, args.requests))
        ours = summary(round_trips(handle.port, args.requests))
    loop.call(base_server.shutdown())
    loop.close()
    print(
        f"Modbus TCP read of 14 registers, {args.requests} requests over 4 device ids:\n"
        f"  baseline pymodbus server: mean {base[0]:.3f} ms, p99 {base[1]:.3f} ms\n"
        f"  simulator server:         mean {ours[0]:.3f} ms, p99 {ours[1]:.3f} ms "
        f"(x{ours[0] / base[0]:.2f} of the baseline mean)"
    )


if __name__ == "__main__":
    main()
