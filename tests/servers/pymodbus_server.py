"""A pymodbus TCP server in a background thread, serving a :class:`Memory` snapshot."""

from __future__ import annotations

import asyncio
import threading

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from tests.servers.modbus_server import Memory

SIZE = 4096
HOLDING_SIZE = 3000
"""Holding registers from here up are free for ``extra`` typed values encoded by pymodbus."""


def sim_device(memory: Memory, unit: int = 1, extra: list[SimData] | None = None) -> SimDevice:
    """A pymodbus device with separate tables holding the first ``SIZE`` values of ``memory``."""
    holding = [
        SimData(
            0, values=[int(v) for v in memory.holding[:HOLDING_SIZE]], datatype=DataType.REGISTERS
        ),
        *(extra or []),
    ]
    return SimDevice(
        id=unit,
        simdata=(
            [SimData(0, values=[bool(v) for v in memory.coil[:SIZE]], datatype=DataType.BITS)],
            [SimData(0, values=[bool(v) for v in memory.discrete[:SIZE]], datatype=DataType.BITS)],
            holding,
            [SimData(0, values=[int(v) for v in memory.input[:SIZE]], datatype=DataType.REGISTERS)],
        ),
    )


class PymodbusTcpServer:
    """Runs pymodbus's own TCP server on a free loopback port."""

    def __init__(self, device: SimDevice, port: int) -> None:
        self.port = port
        self._device = device
        self._loop = asyncio.new_event_loop()
        self._server: ModbusTcpServer | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="pymodbus-server")
        self._ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        # The server must be built inside the running loop.
        self._server = ModbusTcpServer(self._device, address=("127.0.0.1", self.port))
        await self._server.serve_forever(background=True)
        self._ready.set()
        await self._server.serving

    def start(self) -> PymodbusTcpServer:
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._server is not None:
            future = asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop)
            future.result(timeout=5)
        self._thread.join(timeout=5)
        self._loop.close()
