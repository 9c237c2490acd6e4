"""Runs the plant model on real time and serves it over Modbus TCP, Modbus RTU and ASCII.

The model thread advances the plant to ``speed x elapsed real time`` 20 times a second and
publishes an immutable snapshot (readings and register images); servers and callers only ever
read the newest snapshot, so they never wait for the model.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from types import TracebackType

from drivers.simulator.ascii_stream import AsciiStream
from drivers.simulator.modbus_server import ServerHandle, ServerLoop, serve_rtu, serve_tcp
from drivers.simulator.plant import FinishedPart, Plant
from drivers.simulator.registers import DEVICE_IDS, DeviceImage, encode
from drivers.simulator.scenario import Fault, Scenario

log = logging.getLogger(__name__)

PUBLISH_PERIOD_S = 0.05
MAX_SPEED = 1000.0
MACHINE_OF_ID = {device_id: name for name, device_id in DEVICE_IDS.items()}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The plant at one simulated instant."""

    time: float
    values: dict[str, dict[str, float]]
    texts: dict[str, dict[str, str]]
    images: dict[int, DeviceImage]
    silent: frozenset[str]
    scale: tuple[float, bool]
    finished: tuple[FinishedPart, ...]


class PlantSimulator:
    """The simulated line on real time, with optional protocol servers.

    >>> sim = PlantSimulator(seed=1, scenario="default", speed=1.0)
    >>> sim.start(); tcp = sim.serve_modbus_tcp("127.0.0.1", 0)   # doctest: +SKIP
    >>> sim.value("cnc", "vibration_rms"); sim.stop()              # doctest: +SKIP
    """

    def __init__(
        self,
        seed: int = 0,
        scenario: str | Scenario | list[Fault] | None = "default",
        speed: float = 1.0,
        lot: str | None = None,
    ) -> None:
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be above 0 and at most {MAX_SPEED:g}, not {speed:g}")
        self.speed = speed
        lot = lot or dt.datetime.now(dt.UTC).strftime("%y%m")
        self.plant = Plant(seed=seed, scenario=scenario, lot=lot)
        self._snapshot = self._take_snapshot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: ServerLoop | None = None
        self._servers: list[ServerHandle | AsciiStream] = []
        self._behind_logged = False

    # -- model thread ---------------------------------------------------------------------------
    def start(self) -> PlantSimulator:
        """Start advancing the model on real time (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="plant-sim-model", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        origin_real = time.monotonic()
        origin_sim = self.plant.time
        # Bound one round's work so that snapshots keep coming even when far behind.
        max_ticks = max(50, int(self.speed * PUBLISH_PERIOD_S / 0.1 * 4))
        while not self._stop.wait(PUBLISH_PERIOD_S):
            target = origin_sim + (time.monotonic() - origin_real) * self.speed
            # Only this thread touches the plant; everyone else reads the published snapshot.
            self.plant.advance_to(target, max_ticks=max_ticks)
            snapshot = self._take_snapshot()
            self._snapshot = snapshot
            if target - snapshot.time > 5.0 and not self._behind_logged:
                self._behind_logged = True
                log.warning("the plant model cannot keep up with speed %g", self.speed)

    def _take_snapshot(self) -> Snapshot:
        plant = self.plant
        values, texts, images = {}, {}, {}
        for name, device_id in DEVICE_IDS.items():
            values[name] = plant.values(name)
            texts[name] = plant.texts(name)
            images[device_id] = encode(name, values[name], texts[name], plant.bits(name))
        return Snapshot(
            time=plant.time,
            values=values,
            texts=texts,
            images=images,
            silent=plant.silent,
            scale=plant.scale(),
            finished=tuple(plant.finished),
        )

    def stop(self, timeout: float = 2.0) -> None:
        """Stop every server and the model thread (idempotent)."""
        deadline = time.monotonic() + timeout
        for server in reversed(self._servers):
            server.stop(max(0.1, deadline - time.monotonic()))
        self._servers.clear()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(max(0.1, deadline - time.monotonic()))
            self._thread = None
        if self._loop is not None:
            self._loop.close(max(0.1, deadline - time.monotonic()))
            self._loop = None

    def __enter__(self) -> PlantSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- readings -------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Simulated seconds since the start, as last published."""
        return self._snapshot.time

    @property
    def snapshot(self) -> Snapshot:
        """The newest published snapshot."""
        return self._snapshot

    def value(self, machine: str, name: str) -> float:
        """Current engineering value of a numeric point, e.g. ``("cnc", "vibration_rms")``."""
        try:
            return self._snapshot.values[machine][name]
        except KeyError:
            raise KeyError(f"no numeric point '{machine}.{name}'") from None

    def text(self, machine: str, name: str) -> str:
        """Current value of a string point, e.g. ``("leaktest", "last_serial")``."""
        try:
            return self._snapshot.texts[machine][name]
        except KeyError:
            raise KeyError(f"no string point '{machine}.{name}'") from None

    def is_silent(self, machine: str) -> bool:
        """Whether ``machine`` currently does not answer on the bus."""
        return machine in self._snapshot.silent

    def wait_until(self, sim_time: float, timeout: float = 10.0) -> bool:
        """Block until the published simulated time reaches ``sim_time``; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._snapshot.time < sim_time:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # -- ImageSource for the Modbus servers ------------------------------------------------------
    def image(self, device_id: int) -> DeviceImage | None:
        return self._snapshot.images.get(device_id)

    def is_silent_id(self, device_id: int) -> bool:
        machine = MACHINE_OF_ID.get(device_id)
        return machine is None or machine in self._snapshot.silent

    # -- servers ----------------------------------------------------------------------------------
    def _server_loop(self) -> ServerLoop:
        if self._loop is None:
            self._loop = ServerLoop()
        return self._loop

    def serve_modbus_tcp(self, host: str = "127.0.0.1", port: int = 5020) -> ServerHandle:
        """Serve the four machines as device ids 1..4; ``port`` 0 picks a free port.

        Raises :class:`~drivers.simulator.modbus_server.ServeError` with a readable message.
        """
        handle = serve_tcp(self._server_loop(), _Source(self), host, port)
        self._servers.append(handle)
        return handle

    def serve_modbus_rtu(self, port: str, baudrate: int = 19200) -> ServerHandle:
        """Serve the four machines as RTU device ids 1..4 on serial ``port``."""
        handle = serve_rtu(self._server_loop(), _Source(self), port, baudrate)
        self._servers.append(handle)
        return handle

    def serve_ascii(self, port: str, baudrate: int = 9600, rate_hz: float = 4.0) -> AsciiStream:
        """Stream checkweigher and barcode lines to serial ``port``."""
        stream = AsciiStream(port, baudrate, self._scale, self._parts_after, rate_hz)
        self._servers.append(stream)
        return stream

    def _scale(self) -> tuple[float, bool]:
        return self._snapshot.scale

    def _parts_after(self, seq: int) -> list[FinishedPart]:
        return [part for part in self._snapshot.finished if part.seq > seq]


class _Source:
    """Adapts the simulator to the servers' image source protocol."""

    def __init__(self, sim: PlantSimulator) -> None:
        self._sim = sim

    def image(self, device_id: int) -> DeviceImage | None:
        return self._sim.image(device_id)

    def is_silent(self, device_id: int) -> bool:
        return self._sim.is_silent_id(device_id)
