"""Helpers shared by several subcommands."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from app.config import ConfigError, StationConfig
from app.config_loader import load_config


def load_config_or_report(path: str | Path) -> StationConfig | None:
    """Load a config; on failure print every problem to stderr and return None."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return None


def stop_on_signals() -> threading.Event:
    """An event that is set by SIGINT or SIGTERM (main thread only)."""
    stop = threading.Event()

    def _handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    return stop


def positive_float(text: str) -> float:
    """argparse type: a number above zero."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value
