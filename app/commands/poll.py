"""``shopfloor poll --config FILE [--device NAME] [--json]``: read every tag once.

For commissioning: each device is opened with its real driver, every poll group is read once
(streaming instruments are listened to until each tag got a value or the wait ends), and the
tags' scale and offset are applied exactly as the running station would. Devices are polled in
parallel, so a dead one costs its timeout once, not once per device.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from app.commands.common import device_or_report, load_config_or_report, positive_float
from app.config import DeviceConfig, StationConfig
from app.probe import read_once
from app.tags import TagTable


@dataclass(slots=True)
class TagResult:
    """One line of the report (also the JSON object)."""

    device: str
    tag: str
    value: float | int | str | None
    unit: str
    quality: str
    error: str | None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the subcommand."""
    parser = subparsers.add_parser(
        "poll",
        help="read every tag once and print value, unit and quality",
        description="Read every tag of the station (or one device) once, for commissioning. "
        "Exit code 0 when every tag is good, 1 otherwise, 2 for a bad config.",
    )
    parser.add_argument("--config", required=True, help="station config (TOML)")
    parser.add_argument("--device", help="only this device (even when it is disabled)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.add_argument(
        "--wait",
        type=positive_float,
        default=None,
        help="how long to listen to streaming instruments (default: 3 poll periods, min 2 s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Poll, print, and return 0 (all good), 1 (some tag bad) or 2 (bad input)."""
    config = load_config_or_report(args.config)
    if config is None:
        return 2
    devices = [d for d in config.devices if d.enabled]  # a named device is polled regardless
    if args.device:
        named = device_or_report(config, args.device)
        if named is None:
            return 2
        devices = [named]
    results = poll_station(config, devices, wait_s=args.wait)
    if args.json:
        # Strict JSON: a non-finite value is null with quality "bad" and its reason.
        print(json.dumps([asdict(r) for r in results], indent=2, allow_nan=False))
    else:
        print(format_table(results))
    return 0 if all(r.quality == "good" for r in results) else 1


def poll_station(
    config: StationConfig, devices: list[DeviceConfig], wait_s: float | None = None
) -> list[TagResult]:
    """Every tag of ``devices`` read once, in config order."""
    table = TagTable(config)
    with ThreadPoolExecutor(max_workers=max(1, min(16, len(devices)))) as pool:
        futures = [pool.submit(poll_device, d, table, wait_s) for d in devices]
        return [result for future in futures for result in future.result()]


def poll_device(device: DeviceConfig, table: TagTable, wait_s: float | None) -> list[TagResult]:
    """Every tag of one device, bad with the reason when the device does not answer."""
    report = read_once(device, table, wait_s=wait_s)
    found = {r.tag: r for r in report.readings}
    results = []
    for tag in device.tags:
        reading = found.get(tag.name)
        if reading is None:
            results.append(_bad(device, tag.name, tag.unit, report.error or "not read"))
        elif not reading.good:
            results.append(_bad(device, tag.name, tag.unit, reading.error))
        else:
            results.append(TagResult(device.name, tag.name, reading.value, tag.unit, "good", None))
    return results


def _bad(device: DeviceConfig, tag: str, unit: str, error: str) -> TagResult:
    return TagResult(device.name, tag, None, unit, "bad", error)


def format_table(results: list[TagResult]) -> str:
    """Aligned text columns: device, tag, value, unit, quality, error."""
    rows = [("DEVICE", "TAG", "VALUE", "UNIT", "QUALITY", "ERROR")]
    for r in results:
        rows.append((r.device, r.tag, _format_value(r.value), r.unit, r.quality, r.error or ""))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(5)]
        lines.append("  ".join([*cells, row[5]]).rstrip())
    return "\n".join(lines)


def _format_value(value: float | int | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str | int):
        return str(value)
    return f"{value:.6g}"
