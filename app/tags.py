"""The station's tag table: every tag gets a stable integer id for numpy batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from app.config import DeviceConfig, StationConfig, TagConfig
from app.model import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class TagInfo:
    """A tag as the rest of the application sees it."""

    id: int
    device: str
    config: TagConfig
    device_config: DeviceConfig

    @property
    def name(self) -> str:
        """Tag name within its device."""
        return self.config.name

    @property
    def full_name(self) -> str:
        """``device.tag``: unique within the station."""
        return f"{self.device}.{self.config.name}"

    @property
    def unit(self) -> str:
        """Engineering unit."""
        return self.config.unit

    @property
    def period_s(self) -> float:
        """Poll period of the tag's group."""
        return self.device_config.period_of(self.config.poll_group)


class TagTable:
    """All tags of a station, indexed by id and by ``device.tag``."""

    def __init__(self, config: StationConfig) -> None:
        self._tags: list[TagInfo] = []
        for device in config.devices:
            for tag in device.tags:
                self._tags.append(TagInfo(len(self._tags), device.name, tag, device))
        self._by_name = {info.full_name: info for info in self._tags}
        self.scale: FloatArray = np.array([t.config.scale for t in self._tags], dtype=np.float64)
        self.offset: FloatArray = np.array([t.config.offset for t in self._tags], dtype=np.float64)

    def __len__(self) -> int:
        return len(self._tags)

    def __iter__(self) -> Iterator[TagInfo]:
        return iter(self._tags)

    def __getitem__(self, tag_id: int) -> TagInfo:
        return self._tags[tag_id]

    def by_name(self, full_name: str) -> TagInfo:
        """The tag called ``device.tag``."""
        return self._by_name[full_name]

    def ids(self) -> dict[str, int]:
        """``device.tag`` -> id, for subscribers that are configured by name."""
        return {name: info.id for name, info in self._by_name.items()}

    def of_device(self, device: str) -> list[TagInfo]:
        """The tags of one device, in config order."""
        return [t for t in self._tags if t.device == device]

    def id_array(self, infos: list[TagInfo]) -> IntArray:
        """Ids of ``infos`` as an int32 array."""
        return np.array([t.id for t in infos], dtype=np.int32)
