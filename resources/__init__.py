"""Bundled resources: demo configs, styles, icons and translations."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
DEMO_CONFIG = RESOURCES_DIR / "demo" / "line.toml"
