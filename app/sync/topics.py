"""The topic namespace (docs/SYNC.md): ``<prefix>/v1/<company>/<site>/<line>/<station>/...``.

ISA-95 levels, one topic level each. A level is the configured name with the characters MQTT
gives a meaning (``/``, ``+``, ``#``) and control characters replaced by ``_``; other text
(Korean names too) is kept as written, since MQTT topics are UTF-8.
"""

from __future__ import annotations

import re

from app.config import StationInfo

#: The version of the namespace and of the payloads; a receiver reads it from the topic.
NAMESPACE_VERSION = "v1"
_UNSAFE = re.compile(r"[/+#\x00-\x1f\x7f]")


def level(name: str) -> str:
    """One topic level made from a name (never empty)."""
    return _UNSAFE.sub("_", name.strip()) or "_"


def station_root(prefix: str, info: StationInfo) -> str:
    """The topic root of one station (no trailing slash)."""
    parts = [info.company, info.site, info.line, info.station]
    return "/".join([prefix.strip("/"), NAMESPACE_VERSION, *(level(p) for p in parts)])


def subtopic(*parts: str) -> str:
    """A topic below a station's root: ``subtopic("summary", "cnc", "temp")``."""
    return "/".join(level(p) for p in parts)


def subscription(prefix: str) -> str:
    """What a receiver subscribes to: every station of the namespace version."""
    return f"{prefix.strip('/')}/{NAMESPACE_VERSION}/#"
