"""Streaming anomaly detectors that explain themselves."""
