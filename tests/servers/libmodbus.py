"""Build and run the libmodbus C server (an independent Modbus stack) for tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("libmodbus_server.c")


class BuildError(RuntimeError):
    """gcc or libmodbus is missing: the test must fail, not skip."""


def build(out_dir: Path) -> Path:
    """Compile the server into ``out_dir``; raise :class:`BuildError` with the reason."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise BuildError("gcc is not installed (apt-get install gcc libmodbus-dev)")
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libmodbus"], capture_output=True, text=True
    )
    if flags.returncode != 0:
        raise BuildError(f"libmodbus-dev is not installed: {flags.stderr.strip()}")
    binary = out_dir / "libmodbus_server"
    result = subprocess.run(
        [gcc, "-O1", "-Wall", "-o", str(binary), str(SOURCE), *flags.stdout.split()],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BuildError(f"libmodbus server does not compile:\n{result.stderr}")
    return binary


def write_spec(path: Path, tags: Iterable[dict[str, Any]]) -> Path:
    """A spec file for the server from reference tags (``expect`` values)."""
    lines = []
    for tag in tags:
        table = tag.get("table", "holding")
        order = tag.get("byte_order", "ABCD")
        if tag["type"] == "bool" and table in ("holding", "input"):
            continue  # bit tags read the word of their *_word neighbour
        if tag["type"] == "string":
            lines.append(f"{table} {tag['address']} string {order} {tag['length']} {tag['expect']}")
        elif tag["type"] in ("float32", "float64"):
            lines.append(f"{table} {tag['address']} {tag['type']} {order} {tag['expect']!r}")
        else:
            lines.append(f"{table} {tag['address']} {tag['type']} {order} {int(tag['expect'])}")
    path.write_text("\n".join(lines) + "\n")
    return path


class LibmodbusServer:
    """The C server as a child process; ``port`` (TCP) is known once it has started."""

    def __init__(self, binary: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if not first:
            self.proc.wait(timeout=5)
            raise RuntimeError(f"libmodbus server did not start: {self.proc.stderr.read()}")
        self.port = int(first.split()[1]) if first.startswith("PORT") else 0

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
