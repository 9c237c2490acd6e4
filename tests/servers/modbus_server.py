"""A small threaded Modbus TCP/RTU server (not pymodbus) with fault injection.

It serves function codes 1-4 and the writes 5, 6, 15, 16 from numpy memories and can delay
answers, drop the connection every K requests, hang for T seconds (optionally after sending half
an answer), answer an exception for an address range, refuse ranges as "illegal data address",
and, on RTU, corrupt CRCs, answer late after a stall and send well-formed wrong answers.
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
WRITE_FCS = frozenset({5, 6, 15, 16})


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
    corrupt_crc_addresses: list[tuple[str, int]] = field(default_factory=list)
    """RTU: corrupt the CRC of every answer to a read starting at (table, address)."""
    late: list[tuple[str, int, float]] = field(default_factory=list)
    """RTU: (table, address, seconds): the next read starting there is answered that late,
    while the server reads nothing else (a stall); each entry is used once."""
    mangle_every: int = 0
    """RTU: every K-th answer is well formed (good CRC) but wrong in ``mangle``."""
    mangle: str = "count"
    """``count`` (one register / byte too many), ``function`` or ``unit``."""

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


def _reflect(value: int, bits: int) -> int:
    return int(f"{value:0{bits}b}"[::-1], 2)


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS written independently of the driver's: the textbook MSB-first shift
    register with polynomial 0x8005 on bit-reflected input, reflected at the end (check value
    of ``b"123456789"``: 0x4B37)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= _reflect(byte, 8) << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return _reflect(crc, 16)


class ModbusLogic:
    """Request -> answer PDU, shared by the TCP and RTU front ends."""

    def __init__(self, units: dict[int, Memory] | None = None) -> None:
        self.units = units if units is not None else {1: Memory()}
        self.faults = Faults()
        self.requests = 0
        self.request_times: list[float] = []
        self.writes: list[tuple[str, int, int]] = []
        """(table, start, count) of every write served."""
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
        if fc in WRITE_FCS and len(pdu) >= 5:
            return self._write(memory, pdu)
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

    def _write(self, memory: Memory, pdu: bytes) -> bytes:
        """FC 5 / 6 / 15 / 16: store, and echo the address and value / quantity."""
        fc = pdu[0]
        start, value = struct.unpack(">HH", pdu[1:5])
        table = "coil" if fc in (5, 15) else "holding"
        count = 1 if fc in (5, 6) else value
        if start + count > 65536 or memory.holes[table][start : start + count].any():
            return bytes([fc | 0x80, 2])
        if fc == 5:
            if value not in (0x0000, 0xFF00):
                return bytes([fc | 0x80, 3])
            memory.coil[start] = value == 0xFF00
        elif fc == 6:
            memory.holding[start] = value
        elif fc == 15:
            packed = np.frombuffer(pdu[6 : 6 + pdu[5]], dtype=np.uint8)
            bits = np.unpackbits(packed, bitorder="little")[:count].astype(bool)
            memory.coil[start : start + count] = bits
        else:
            regs = np.frombuffer(pdu[6 : 6 + pdu[5]], dtype=">u2")[:count]
            memory.holding[start : start + count] = regs
        self.writes.append((table, start, count))
        return pdu[:5]

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
        self.late_answers = 0
        self.requests_by_unit: dict[int, int] = {}
        self.request_arrived = threading.Event()
        """Set whenever a request for any unit was read (tests clear it, then wait on it)."""
        self.served: list[tuple[int, str, int, bytes]] = []
        """(unit, table, start, answer PDU) of every answer sent."""
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
            # Requests are 8 bytes, FC 15/16 carry a byte count; resynchronise on CRC by
            # dropping a byte.
            while len(buffer) >= 8:
                size = 9 + buffer[6] if buffer[1] in (15, 16) else 8
                if len(buffer) < size:
                    break
                frame = buffer[:size]
                if crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little"):
                    buffer = buffer[1:]
                    continue
                buffer = buffer[size:]
                self._handle(frame)

    def _handle(self, frame: bytes) -> None:
        logic = self.logic
        if self.echo:
            self._serial.write(frame)
        number = logic.count_request()
        self.requests_by_unit[frame[0]] = self.requests_by_unit.get(frame[0], 0) + 1
        self.request_arrived.set()
        answer = logic.answer(frame[0], frame[1:-2])
        if answer is None:
            return  # another unit's request: stay silent
        faults = logic.faults
        table = TABLE_OF_FC.get(frame[1], "")
        start = int.from_bytes(frame[2:4], "big")
        unit = frame[0]
        if faults.mangle_every and number % faults.mangle_every == 0 and not answer[0] & 0x80:
            if faults.mangle == "count":
                extra = b"\x00" if frame[1] <= 2 else b"\x00\x00"
                answer = bytes([answer[0], answer[1] + len(extra)]) + answer[2:] + extra
            elif faults.mangle == "function":
                answer = bytes([4 if answer[0] == 3 else 3]) + answer[1:]
            else:
                unit = (unit % 247) + 1
        body = bytes([unit]) + answer
        crc = crc16(body)
        if faults.corrupt_crc_every and number % faults.corrupt_crc_every == 0:
            crc ^= 0x5555
        if (table, start) in faults.corrupt_crc_addresses:
            crc ^= 0x5555
        out = body + crc.to_bytes(2, "little")
        for entry in list(faults.late):
            if entry[:2] == (table, start):
                faults.late.remove(entry)
                time.sleep(entry[2])  # a stall: nothing else is read meanwhile
                self.late_answers += 1
                break
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
        self.served.append((unit, table, start, answer))
