"""Modbus TCP driver (pymodbus sync client, one connection per device)."""

from __future__ import annotations

import logging
from typing import ClassVar

from pydantic import BaseModel, Field
from pymodbus.client import ModbusTcpClient

from app.config import DeviceConfig
from drivers.base import DeviceError
from drivers.modbus.common import ModbusDriver, ModbusSettings
from drivers.modbus.transport import Dropped, execute

log = logging.getLogger(__name__)


class ModbusTcpSettings(ModbusSettings):
    """``connection`` table of a ``modbus-tcp`` device."""

    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)


class ModbusTcpDriver(ModbusDriver):
    """Reads coils, discrete inputs, input and holding registers over Modbus TCP.

    A request that finds the connection dropped reconnects and is retried once at once (a
    server that closes idle or every-Nth connections costs one reconnect, not a cycle); a
    timeout closes the socket so that a late answer can never be taken for the next one.
    """

    connection_model: ClassVar[type[BaseModel]] = ModbusTcpSettings

    def __init__(self, device: DeviceConfig) -> None:
        super().__init__(device)
        self._client: ModbusTcpClient | None = None

    def connect(self) -> None:
        settings = self.settings
        if self._client is None:
            # retries=0: the worker's schedule decides when to try again, never a hidden loop.
            self._client = ModbusTcpClient(
                settings.host, port=settings.port, timeout=self.device.timeout_s, retries=0
            )
        if not self._client.connect():
            raise DeviceError("refused", f"cannot connect to {settings.host}:{settings.port}")

    def _request(self, table: str, start: int, count: int) -> list[int] | list[bool]:
        client = self._client
        if client is None:
            raise DeviceError("io", "not connected")
        self._requests += 1
        try:
            return execute(client, table, start, count, self.settings.device_id)
        except Dropped:
            pass
        except DeviceError as exc:
            if exc.kind == "timeout":
                client.close()
            raise
        # The peer closed the connection: reconnect once and repeat this request.
        client.close()
        if not client.connect():
            raise DeviceError(
                "dropped", f"connection to {self.settings.host}:{self.settings.port} lost"
            )
        self._requests += 1
        try:
            return execute(client, table, start, count, self.settings.device_id)
        except Dropped as exc:
            client.close()
            raise DeviceError("dropped", f"connection lost again: {exc}") from None
        except DeviceError as exc:
            if exc.kind == "timeout":
                client.close()
            raise

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                log.debug("error closing %s", self.device.name, exc_info=True)
