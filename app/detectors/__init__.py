"""Streaming anomaly detectors that explain themselves.

The engine uses :class:`app.detectors.monitor.AnomalyMonitor`; import from the modules
themselves, this package re-exports nothing.
"""
