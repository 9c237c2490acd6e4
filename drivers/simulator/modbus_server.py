"""Modbus TCP and RTU servers that serve the plant's register images.

One server answers for all four machines (device ids 1..4). Each request copies the newest
image of the addressed device into pymodbus' register store first, so a read always sees one
consistent snapshot. A silent machine's answers are dropped on the way out (the client times
out, as with a dead node), and unknown device ids get no answer either.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import threading
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.pdu.device import ModbusDeviceIdentification
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.server.base import ModbusBaseServer
from pymodbus.simulator import DataType, SimData, SimDevice

from drivers.simulator.registers import DEVICE_IDS, REGISTER_MAP, DeviceImage, table_size

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Function code -> table of the image it reads or writes.
TABLE_OF_FUNCTION = {1: "coils", 5: "coils", 15: "coils", 2: "discrete", 4: "input"}
TABLE_OF_FUNCTION.update({code: "holding" for code in (3, 6, 16, 22, 23)})


class ServeError(OSError):
    """A server could not be started (address in use, no such serial port, ...)."""


class ImageSource(Protocol):
    """Where the servers get the current register images from."""

    def image(self, device_id: int) -> DeviceImage | None: ...

    def is_silent(self, device_id: int) -> bool: ...


class ServerLoop:
    """An asyncio event loop in a daemon thread that hosts the servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="plant-sim-servers", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Stop the loop and its thread."""
        if not self.loop.is_running():
            return

        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.call(_cancel_all(), timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()


class ServerHandle:
    """A running server: its port (TCP) and how to stop it."""

    def __init__(self, loop: ServerLoop, server: ModbusBaseServer, description: str) -> None:
        self._loop = loop
        self._server = server
        self.description = description
        self.port = 0
        transport = server.transport
        sockets = getattr(transport, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self._stopped = False

    def stop(self, timeout: float = 2.0) -> None:
        """Close the server; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            self._loop.call(self._server.shutdown(), timeout)

    def __repr__(self) -> str:
        return f"<ServerHandle {self.description}>"


def _identity() -> ModbusDeviceIdentification:
    return ModbusDeviceIdentification(
        info_name={
            "VendorName": "ShopFloor",
            "ProductCode": "PLANTSIM",
            "ProductName": "ShopFloor plant simulator",
            "ModelName": "EV-parts line",
            "MajorMinorRevision": "1.0",
        }
    )


async def _refresh(
    source: ImageSource,
    device_id: int,
    function_code: int,
    _start: int,
    _address: int,
    _count: int,
    registers: list[int],
    _values: list[int] | list[bool] | None,
) -> ExcCodes | None:
    """Before pymodbus reads a table, put the newest image of that table in place."""
    image = source.image(device_id)
    table = TABLE_OF_FUNCTION.get(function_code)
    if image is not None and table is not None:
        words = getattr(image, table)
        registers[: len(words)] = words
    return None


async def _absent(*_args: Any) -> ExcCodes | None:
    """Any device id that is not a machine: nobody on the bus answers."""
    raise NoSuchIdException("no such device")


def _register_block(words: list[int]) -> list[SimData]:
    return [SimData(0, values=list(words) or [0], datatype=DataType.REGISTERS, readonly=True)]


def _bit_block(bits: int) -> list[SimData]:
    size = 16 * max(1, -(-bits // 16))  # whole registers of 16 bits
    return [SimData(0, values=[False] * size, datatype=DataType.BITS, readonly=True)]


def build_devices(source: ImageSource) -> list[SimDevice]:
    """One pymodbus device per machine, all tables read-only, kept fresh by ``source``.

    Device id 0 is pymodbus' catch-all: its action refuses every request, so that unknown ids
    get no answer, as on a real bus.
    """
    nothing = [SimData(0, count=125, values=0, datatype=DataType.REGISTERS)]
    nothing_bits = [SimData(0, values=[False] * 2000, datatype=DataType.BITS)]
    devices = [
        SimDevice(0, simdata=(nothing_bits, nothing_bits, nothing, list(nothing)), action=_absent)
    ]
    for machine, device_id in DEVICE_IDS.items():
        points = REGISTER_MAP[machine]
        image = source.image(device_id)
        holding = image.holding if image else [0] * table_size(points, "holding")
        inputs = image.input if image else [0] * table_size(points, "input")
        simdata = (
            _bit_block(table_size(points, "coil")),
            _bit_block(table_size(points, "discrete")),
            _register_block(holding),
            _register_block(inputs),
        )
        action = partial(_refresh, source, device_id)
        devices.append(SimDevice(device_id, simdata=simdata, action=action))
    return devices


def _silencer(source: ImageSource, id_offset: int) -> Callable[[bool, bytes], bytes]:
    """Drop outgoing frames of silent devices; ``id_offset`` is where the frame keeps the id."""

    def trace(sending: bool, data: bytes) -> bytes:
        if sending and len(data) > id_offset and source.is_silent(data[id_offset]):
            return b""
        return data

    return trace


def _check_tcp_address(host: str, port: int) -> None:
    """Fail early with a readable message (pymodbus only logs why it cannot listen)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(errno.EADDRNOTAVAIL, f"cannot resolve host '{host}': {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                message = f"TCP port {port} on {host} is already in use"
            elif exc.errno == errno.EACCES:
                message = f"no permission to listen on TCP port {port} (ports below 1024 need root)"
            else:
                message = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            raise ServeError(exc.errno or 0, message) from None


def serve_tcp(loop: ServerLoop, source: ImageSource, host: str, port: int) -> ServerHandle:
    """Start a Modbus TCP server for the four machines; ``port`` 0 picks a free port."""
    _check_tcp_address(host, port)

    async def start() -> ModbusTcpServer:
        server = ModbusTcpServer(
            build_devices(source),
            address=(host, port),
            identity=_identity(),
            ignore_missing_devices=True,
            trace_packet=_silencer(source, 6),
        )
        await server.serve_forever(background=True)
        return server

    try:
        server = loop.call(start())
    except RuntimeError as exc:
        raise ServeError(errno.EIO, f"cannot listen on {host}:{port}: {exc}") from None
    handle = ServerHandle(loop, server, f"Modbus TCP {host}:{port}")
    handle.description = f"Modbus TCP {host}:{handle.port}"
    log.info("serving %s", handle.description)
    return handle


def serve_rtu(loop: ServerLoop, source: ImageSource, port: str, baudrate: int) -> ServerHandle:
    """Start a Modbus RTU server (device ids 1..4 on one bus) on serial ``port``."""
    if not port.startswith(("socket://", "loop://")) and not Path(port).exists():
        raise ServeError(errno.ENOENT, f"serial port {port} does not exist")

    async def start() -> ModbusSerialServer:
        server = ModbusSerialServer(
            build_devices(source),
            framer=FramerType.RTU,
            port=port,
            baudrate=baudrate,
            identity=_identity(),
            ignore_missing_devices=True,
            trace_packet=_silencer(source, 0),
        )
        await server.serve_forever(background=True)
        return server

    try:
        server = loop.call(start())
    except (RuntimeError, OSError) as exc:
        raise ServeError(errno.EIO, f"cannot open serial port {port}: {exc}") from None
    handle = ServerHandle(loop, server, f"Modbus RTU {port} @ {baudrate} baud")
    log.info("serving %s", handle.description)
    return handle
