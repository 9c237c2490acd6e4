"""Modbus TCP driver (pymodbus sync client, one connection per device)."""

from __future__ import annotations

import logging
import time
from typing import ClassVar

from pydantic import BaseModel, Field
from pymodbus.client import ModbusTcpClient

from app.config import DeviceConfig
from drivers.base import DeviceError
from drivers.modbus.common import BlockData, ExceptionAnswer, ModbusDriver, ModbusSettings
from drivers.modbus.pdus import use_numpy_answers
from drivers.modbus.transport import Dropped, execute, execute_write

log = logging.getLogger(__name__)

PROBE_FLOOR_S = 0.05
PROBE_FACTOR = 4.0
FULL_PROBE_INTERVAL_S = 10.0
SLOWEST_DECAY = 0.999


class ModbusTcpSettings(ModbusSettings):
    """``connection`` table of a ``modbus-tcp`` device."""

    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)
    device_id: int = Field(default=1, ge=0, le=255)
    """Unit id; over TCP 255 (or 0) often means "the device itself, no gateway routing"."""


class ModbusTcpDriver(ModbusDriver):
    """Reads coils, discrete inputs, input and holding registers over Modbus TCP.

    A request that finds the connection dropped reconnects and is retried once at once (a
    server that closes idle or every-Nth connections costs one reconnect, not a cycle); a
    timeout closes the socket so that a late answer can never be taken for the next one.

    After a timeout the device is *probed* with a short timeout (4x the slowest answer seen
    lately, at least 50 ms, at most ``timeout_s``), so that a device coming back from a hang is
    read again at the next poll instead of after a whole pending timeout; at most every 10 s a
    probe uses the full ``timeout_s`` so that a device that merely became slow is found too.
    """

    connection_model: ClassVar[type[BaseModel]] = ModbusTcpSettings

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        self._client: ModbusTcpClient | None = None
        self._slowest_s: float | None = None
        self._failed_probes = 0
        self._last_full_probe = 0.0

    def current_timeout_s(self, *, for_request: bool = False) -> float:
        """Answer timeout of the next request (shorter while probing a silent device)."""
        full = self.device.timeout_s
        if self._failed_probes == 0 or self._slowest_s is None:
            return full
        now = time.monotonic()
        if now - self._last_full_probe >= FULL_PROBE_INTERVAL_S:
            if for_request:
                self._last_full_probe = now
            return full
        return min(full, max(PROBE_FLOOR_S, PROBE_FACTOR * self._slowest_s))

    def connect(self) -> None:
        settings = self.settings
        if self._client is None:
            # retries=0: the worker's schedule decides when to try again, never a hidden loop.
            self._client = ModbusTcpClient(
                settings.host,
                port=settings.port,
                timeout=self.device.timeout_s,
                retries=0,
            )
            use_numpy_answers(self._client)
        self._client.comm_params.timeout_connect = self.current_timeout_s()
        if not self._client.connect():
            raise DeviceError(
                "refused",
                f"cannot connect to {settings.host}:{settings.port} (refused or unreachable)",
            )

    def _request(self, table: str, start: int, count: int) -> BlockData:
        client = self._client
        if client is None:
            raise DeviceError("io", "not connected")
        try:
            return self._timed(client, table, start, count)
        except Dropped:
            pass
        # The peer closed the connection: reconnect once and repeat this request.
        client.close()
        if not client.connect():
            raise DeviceError(
                "dropped", f"connection to {self.settings.host}:{self.settings.port} lost"
            )
        try:
            return self._timed(client, table, start, count)
        except Dropped as exc:
            client.close()
            raise DeviceError("dropped", f"connection lost again: {exc}") from None

    def _write(self, function: int, address: int, values: list[int]) -> None:
        client = self._client
        if client is None:
            raise DeviceError("io", "not connected")
        self._requests += 1
        client.comm_params.timeout_connect = self.device.timeout_s
        try:
            execute_write(client, function, address, values, self.settings.device_id)
        except Dropped as exc:
            client.close()  # never repeated: the device may have taken it
            raise DeviceError("dropped", f"connection lost during a write: {exc}") from None
        except DeviceError:
            client.close()  # a late answer must not be taken for the next request's
            raise

    def _timed(self, client: ModbusTcpClient, table: str, start: int, count: int) -> BlockData:
        """One request with the current timeout; learns response times and probe state."""
        self._requests += 1
        if self._failed_probes:
            client.comm_params.timeout_connect = self.current_timeout_s(for_request=True)
        else:
            client.comm_params.timeout_connect = self.device.timeout_s
        started = time.monotonic()
        try:
            data = execute(client, table, start, count, self.settings.device_id)
        except DeviceError as exc:
            if exc.kind == "timeout":
                client.close()
                if self._failed_probes == 0:
                    self._last_full_probe = started  # that was a full-timeout request
                self._failed_probes += 1
            raise
        except ExceptionAnswer:
            self._answered(time.monotonic() - started)
            raise
        self._answered(time.monotonic() - started)
        return data

    def _answered(self, elapsed: float) -> None:
        self._failed_probes = 0
        # A slowly decaying maximum: one slow answer long ago must not keep probes long.
        previous = self._slowest_s or 0.0
        self._slowest_s = max(elapsed, previous * SLOWEST_DECAY)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                log.debug("error closing %s", self.device.name, exc_info=True)
