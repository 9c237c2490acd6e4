"""Detector settings as they appear in the station config.

Placeholder: the anomaly-detection work replaces this with the real settings.
"""

from pydantic import BaseModel, ConfigDict


class TagDetectors(BaseModel):
    """Detectors that watch one tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceDetectors(BaseModel):
    """Detectors that watch a whole machine (multivariate)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
