"""``shopfloor simulate``: run the plant simulator and serve it on real protocols.

    shopfloor simulate --modbus-tcp 127.0.0.1:5020 [--modbus-rtu /dev/pts/N --baud 115200]
                       [--ascii /dev/pts/M] [--seed 1] [--scenario default] [--speed 1.0]
                       [--duration S]

With no server option it serves Modbus TCP on 127.0.0.1:5020 (what the demo line.toml expects).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from typing import TYPE_CHECKING

from app.commands.common import stop_on_signals

if TYPE_CHECKING:
    from drivers.simulator import PlantSimulator

DEFAULT_TCP = "127.0.0.1:5020"
_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]*)):(?P<port>\d{1,5})$")


class UsageError(ValueError):
    """A bad argument; the message is printed as one line."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    from drivers.simulator import builtin_names

    parser = subparsers.add_parser(
        "simulate",
        help="run the simulated EV-parts line on Modbus TCP/RTU and an ASCII serial port",
        description="Simulate a die-casting cell, a CNC machining centre, a leak tester and a "
        "conveyor washer (Modbus device ids 1..4) with scripted faults. Runs until Ctrl-C, "
        "SIGTERM or --duration.",
    )
    parser.add_argument(
        "--modbus-tcp",
        metavar="HOST:PORT",
        help=f"serve Modbus TCP here (default when no server is given: {DEFAULT_TCP}; "
        "port 0 picks a free one)",
    )
    parser.add_argument("--modbus-rtu", metavar="DEVICE", help="serve Modbus RTU on this port")
    parser.add_argument("--baud", type=int, default=19200, help="RTU baud rate (default 19200)")
    parser.add_argument(
        "--ascii", metavar="DEVICE", help="stream checkweigher and barcode lines to this port"
    )
    parser.add_argument(
        "--ascii-baud", type=int, default=9600, help="ASCII port baud rate (default 9600)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--scenario",
        default="default",
        help=f"fault scenario: {', '.join(builtin_names())}, or a .toml file (default: default)",
    )
    parser.add_argument(
        "--speed", default="1.0", help="simulated seconds per real second (default 1.0)"
    )
    parser.add_argument("--duration", help="stop after this many real seconds")
    parser.set_defaults(handler=run)


def parse_host_port(text: str) -> tuple[str, int]:
    """``"127.0.0.1:5020"``, ``"[::1]:5020"`` or ``":5020"`` (all interfaces) -> (host, port)."""
    match = _HOST_PORT.match(text.strip())
    if not match:
        raise UsageError(f"--modbus-tcp '{text}': expected HOST:PORT, e.g. {DEFAULT_TCP}")
    port = int(match["port"])
    if port > 65535:
        raise UsageError(f"--modbus-tcp '{text}': port {port} is outside 0..65535")
    host = match["v6"] or match["host"] or "0.0.0.0"
    return host, port


def _number(name: str, text: str | None, default: float | None) -> float | None:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name} '{text}' is not a number") from None
    if not value > 0:
        raise UsageError(f"{name} must be above zero, not {text}")
    return value


def _describe_faults(sim: PlantSimulator) -> list[str]:
    scenario = sim.plant.scenario
    lines = []
    for f in sorted(scenario.faults, key=lambda f: f.start_s):
        strength = "" if f.kind in ("silent", "stop", "maintenance") else f", {f.severity:g}"
        lines.append(
            f"    {f.start_s:6.0f} s  {f.machine:<8} {f.kind} for {f.duration_s:g} s{strength}"
        )
    if scenario.repeat_s:
        lines.append(f"    (repeats every {scenario.repeat_s:g} s of simulated time)")
    return lines


class FaultReporter:
    """Prints a line when a scripted fault begins or ends (simulated time), for the presenter."""

    def __init__(self, sim: PlantSimulator) -> None:
        self._sim = sim
        self._active: set[tuple[str, str]] = set()

    def poll(self) -> None:
        scenario = self._sim.plant.scenario
        now = self._sim.time
        active = {
            (machine, kind)
            for machine in ("diecast", "cnc", "leaktest", "washer")
            for kind in scenario.effects(machine, now)
        }
        for machine, kind in sorted(active - self._active):
            print(f"[{now:7.1f} s] {machine}: {kind} begins", flush=True)
        for machine, kind in sorted(self._active - active):
            print(f"[{now:7.1f} s] {machine}: {kind} ends", flush=True)
        self._active = active


def _serve(sim: PlantSimulator, args: argparse.Namespace, tcp: tuple[str, int] | None) -> list[str]:
    """Start the requested servers; what each serves, for the banner."""
    served: list[str] = []
    if tcp is not None:
        handle = sim.serve_modbus_tcp(*tcp)
        served.append(f"{handle.description}  device ids 1 diecast, 2 cnc, 3 leaktest, 4 washer")
    if args.modbus_rtu:
        served.append(sim.serve_modbus_rtu(args.modbus_rtu, baudrate=args.baud).description)
    if args.ascii:
        served.append(sim.serve_ascii(args.ascii, baudrate=args.ascii_baud).description)
    return served


def run(args: argparse.Namespace) -> int:
    """Start the simulator and its servers, wait for Ctrl-C/SIGTERM/--duration, stop."""
    from drivers.simulator import PlantSimulator, ScenarioError, ServeError

    try:
        speed = _number("--speed", args.speed, 1.0) or 1.0
        duration = _number("--duration", args.duration, None)
        if args.baud <= 0 or args.ascii_baud <= 0:
            raise UsageError("baud rates must be above zero")
        no_server = not (args.modbus_tcp or args.modbus_rtu or args.ascii)
        wants_tcp = bool(args.modbus_tcp) or no_server
        tcp = parse_host_port(args.modbus_tcp or DEFAULT_TCP) if wants_tcp else None
        sim = PlantSimulator(seed=args.seed, scenario=args.scenario, speed=speed)
    except (UsageError, ScenarioError, ValueError) as exc:
        print(f"shopfloor simulate: {exc}", file=sys.stderr)
        return 2
    try:
        served = _serve(sim, args, tcp)
    except ServeError as exc:
        sim.stop()
        print(f"shopfloor simulate: {exc.strerror or exc}", file=sys.stderr)
        return 2

    sim.start()
    scenario = sim.plant.scenario
    print(f"Plant simulator: seed {args.seed}, scenario '{scenario.name}', speed {speed:g}x")
    for line in served:
        print(f"  serving {line}")
    if scenario.faults:
        print("  faults (simulated time):")
        print("\n".join(_describe_faults(sim)))
    print(f"Running {f'for {duration:g} s' if duration else 'until Ctrl-C'}.", flush=True)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stop = stop_on_signals()
    reporter = FaultReporter(sim)
    started = time.monotonic()
    deadline = None if duration is None else started + duration
    try:
        while not stop.is_set():
            reporter.poll()
            remaining = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if remaining <= 0:
                break
            stop.wait(remaining)
    finally:
        sim.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(
        f"Stopped after {time.monotonic() - started:.1f} s ({sim.time:.1f} s simulated).",
        flush=True,
    )
    return 0
