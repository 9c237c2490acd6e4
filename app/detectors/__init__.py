"""Streaming anomaly detectors that explain themselves.

The engine uses :class:`app.detectors.monitor.AnomalyMonitor` (not imported here: this package
is imported by :mod:`app.config` for its settings models, and the monitor imports the config).
"""

from app.detectors.anomaly import Anomaly, Contributor

__all__ = ["Anomaly", "Contributor"]
