"""A small threaded Modbus TCP/RTU server (not pymodbus) with fault injection.

It serves function codes 1-4 from numpy memories and can delay answers, drop the connection
every K requests, hang for T seconds (optionally after sending half an answer), answer an
exception for an address range, corrupt RTU CRCs, and refuse ranges as "illegal data address".
Counters (``requests``, ``connections``, ``request_times``) let tests and benchmarks measure
what the client did.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from drivers.modbus.codec import encode_string, encode_value

TABLE_OF_FC = {1: "coil", 2: "discrete", 3: "holding", 4: "input"}


@dataclass
class Faults:
    """What the server does wrong; tests change these while it runs."""

    delay_s: float = 0.0
    drop_every: int = 0
    """Close the connection instead of answering every K-th request (0 = never)."""
    hang_until: float = 0.0
    """Monotonic time until which requests get no answer."""
    hang_half_answer: bool = False
    """During a hang, send the first half of the answer before going silent."""
    exceptions: list[tuple[str, int, int, int]] = field(default_factory=list)
    """(table, first, last, code): a request touching first..last gets exception ``code``."""
    corrupt_crc_every: int = 0
    """RTU: corrupt the CRC of every K-th answer."""

    def hang(self, seconds: float, half_answer: bool = False) -> None:
        self.hang_half_answer = half_answer
        self.hang_until = time.monotonic() + seconds


class Memory:
    """The four Modbus tables of one unit, with optional holes (illegal addresses)."""

    def __init__(self) -> None:
        self.coil = np.zeros(65536, dtype=bool)
        self.discrete = np.zeros(65536, dtype=bool)
        self.holding = np.zeros(65536, dtype=np.uint16)
        self.input = np.zeros(65536, dtype=np.uint16)
        self.holes: dict[str, np.ndarray] = {
            t: np.zeros(65536, dtype=bool) for t in ("coil", "discrete", "holding", "input")
        }

    def set_value(
        self,
        table: str,
        address: int,
        value: float | int | str,
        data_type: str,
        order: str = "ABCD",
        length: int = 1,
    ) -> None:
        """Store ``value`` as ``data_type`` in ``order`` at ``address``."""
        if table in ("coil", "discrete"):
            getattr(self, table)[address] = bool(value)
            return
        if data_type == "string":
            regs = encode_string(str(value), length, order)
        elif data_type == "bool":
            regs = [int(value)]
        else:
            regs = encode_value(value, data_type, order)
        getattr(self, table)[address : address + len(regs)] = regs

    def forbid(self, table: str, first: int, last: int) -> None:
        """Make addresses first..last answer "illegal data address"."""
        self.holes[table][first : last + 1] = True


def crc16(data: bytes) -> int:
    """Modbus RTU CRC-16 (poly 0xA001, init 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


class ModbusLogic:
    """Request -> answer PDU, shared by the TCP and RTU front ends."""

    def __init__(self, units: dict[int, Memory] | None = None) -> None:
        self.units = units if units is not None else {1: Memory()}
        self.faults = Faults()
        self.requests = 0
        self.request_times: list[float] = []
        self.lock = threading.Lock()

    @property
    def memory(self) -> Memory:
        return next(iter(self.units.values()))

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        """The answer PDU, or None for units that are not on this server."""
        memory = self.units.get(unit)
        if memory is None:
            return None
        fc = pdu[0]
        if fc not in TABLE_OF_FC or len(pdu) < 5:
            return bytes([fc | 0x80, 1])
        start, count = struct.unpack(">HH", pdu[1:5])
        table = TABLE_OF_FC[fc]
        limit = 2000 if fc <= 2 else 125
        if not 1 <= count <= limit:
            return bytes([fc | 0x80, 3])
        if start + count > 65536 or memory.holes[table][start : start + count].any():
            return bytes([fc | 0x80, 2])
        for t, first, last, code in self.faults.exceptions:
            if t == table and start <= last and start + count - 1 >= first:
                return bytes([fc | 0x80, code])
        if fc <= 2:
            bits = getattr(memory, table)[start : start + count]
            packed = np.packbits(bits, bitorder="little").tobytes()
            return bytes([fc, len(packed)]) + packed
        regs = getattr(memory, table)[start : start + count].astype(">u2").tobytes()
        return bytes([fc, len(regs)]) + regs

    def count_request(self) -> int:
        with self.lock:
            self.requests += 1
            self.request_times.append(time.monotonic())
            return self.requests


class ModbusTcpServer:
    """Modbus TCP on 127.0.0.1 (a free port), one thread per connection."""

    def __init__(
        self, logic: ModbusLogic | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.logic = logic or ModbusLogic()
        self._sock = socket.create_server((host, port))
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._clients: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True, name="mb-tcp-accept")

    @property
    def faults(self) -> Faults:
        return self.logic.faults

    @property
    def memory(self) -> Memory:
        return self.logic.memory

    def start(self) -> ModbusTcpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes accept(); close() alone does not
        with contextlib.suppress(OSError):
            self._sock.close()
        for conn in list(self._clients):
            with contextlib.suppress(OSError):
                conn.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> ModbusTcpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections += 1
            self._clients.append(conn)
            threading.Thread(
                target=self._serve, args=(conn,), daemon=True, name="mb-tcp-conn"
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        logic = self.logic
        try:
            while not self._stop.is_set():
                header = _recv_exact(conn, 7)
                if header is None:
                    return
                tid, _proto, length, unit = struct.unpack(">HHHB", header)
                pdu = _recv_exact(conn, length - 1)
                if pdu is None:
                    return
                number = logic.count_request()
                faults = logic.faults
                if faults.drop_every and number % faults.drop_every == 0:
                    return
                answer = logic.answer(unit, pdu)
                if answer is None:
                    continue
                frame = struct.pack(">HHHB", tid, 0, len(answer) + 1, unit) + answer
                if time.monotonic() < faults.hang_until:
                    if faults.hang_half_answer:
                        conn.sendall(frame[: len(frame) // 2])
                    continue
                if faults.delay_s:
                    time.sleep(faults.delay_s)
                conn.sendall(frame)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            with contextlib.suppress(ValueError):
                self._clients.remove(conn)


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class ModbusRtuServer:
    """Modbus RTU on a serial port (one end of a pty pair); serves every unit of ``logic``.

    ``baudrate`` is only used to emulate wire time (a pty transfers instantly): with
    ``emulate_wire`` each answer waits as long as the request and the answer would take on a
    real line, so bus-utilisation figures mean something.
    """

    def __init__(
        self,
        port: str,
        logic: ModbusLogic | None = None,
        baudrate: int = 115200,
        emulate_wire: bool = False,
        bits_per_char: int = 10,
        echo: bool = False,
    ) -> None:
        import serial

        self.logic = logic or ModbusLogic()
        self.char_time = bits_per_char / baudrate
        # Silence between frames: 3.5 characters, fixed at 1.75 ms above 19200 baud.
        self.silence = max(3.5 * self.char_time, 0.00175)
        self.emulate_wire = emulate_wire
        self.echo = echo
        """Echo every request back first, like a two-wire adapter without echo suppression."""
        self.answers = 0
        self.requests_by_unit: dict[int, int] = {}
        self._serial = serial.Serial(port, baudrate=baudrate, timeout=0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="mb-rtu")

    @property
    def faults(self) -> Faults:
        return self.logic.faults

    def start(self) -> ModbusRtuServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._serial.close()

    def __enter__(self) -> ModbusRtuServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                buffer += self._serial.read(max(1, self._serial.in_waiting))
            except Exception:  # port closed under us: the test is ending
                return
            # Read requests (FC 1-4) are 8 bytes; resynchronise on CRC by dropping a byte.
            while len(buffer) >= 8:
                frame = buffer[:8]
                if crc16(frame[:6]) != int.from_bytes(frame[6:8], "little"):
                    buffer = buffer[1:]
                    continue
                buffer = buffer[8:]
                self._handle(frame)

    def _handle(self, frame: bytes) -> None:
        logic = self.logic
        if self.echo:
            self._serial.write(frame)
        number = logic.count_request()
        self.requests_by_unit[frame[0]] = self.requests_by_unit.get(frame[0], 0) + 1
        answer = logic.answer(frame[0], frame[1:6])
        if answer is None:
            return  # another unit's request: stay silent
        faults = logic.faults
        body = bytes([frame[0]]) + answer
        crc = crc16(body)
        if faults.corrupt_crc_every and number % faults.corrupt_crc_every == 0:
            crc ^= 0x5555
        out = body + crc.to_bytes(2, "little")
        if time.monotonic() < faults.hang_until:
            if faults.hang_half_answer:
                self._serial.write(out[: len(out) // 2])
            return
        if faults.delay_s:
            time.sleep(faults.delay_s)
        if self.emulate_wire:
            time.sleep((len(frame) + len(out)) * self.char_time + 2 * self.silence)
        self._serial.write(out)
        self.answers += 1
