"""Messages as data: an id and its parameters, rendered in the reader's language when shown.

The core never stores or passes around finished English sentences about what happened. It
records a :class:`Message` (``"event.comm_loss"`` with ``{"device": "washer", "fault":
"timeout"}``); a view renders it with its translator (Qt's ``tr`` for the window, the identity
for logs and the command line), so a Korean operator reads Korean and the database keeps facts.

Templates are English and use ``str.format`` fields; the translation catalogues map each
English template to its translation (``widgets/i18n.py`` extracts them for Qt Linguist).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: A function that turns an English template into the reader's language (identity: English).
Translator = Callable[[str], str]

#: Short, human names of the driver fault kinds (``DeviceError.kind``).
FAULTS: dict[str, str] = {
    "timeout": "no answer",
    "refused": "connection refused",
    "dropped": "connection dropped",
    "crc": "corrupted replies",
    "exception": "request rejected by the device",
    "protocol": "garbled replies",
    "io": "port or network error",
    "stale": "no data for too long",
    "value": "value out of range",
}

#: Every message id with its English template.
CATALOGUE: dict[str, str] = {
    "event.comm_loss": "{device}: communication lost ({fault_text})",
    "event.comm_restored": "{device}: communication restored",
    "event.part_scanned": "{device}: part {serial} scanned",
    "event.state_changed": "{device}: {from_label} → {to_label}",
    "event.device_write": "{device}: {tag} set to {value} by {user}",
    "event.unknown": "{device}: {kind}",
}


def _identity(text: str) -> str:
    return text


class _Lenient(dict[str, Any]):
    """Format parameters where a missing one shows as ``{name}`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Message:
    """What to say, as an id and parameters; :meth:`render` says it in a language."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Translator = _identity) -> str:
        """The message in the language of ``translate`` (default English)."""
        template = CATALOGUE.get(self.id)
        if template is None:
            return f"{self.id} {dict(self.params)}"
        params = _Lenient(self.params)
        fault = params.get("fault")
        if isinstance(fault, str) and "fault_text" not in params:
            params["fault_text"] = translate(FAULTS.get(fault, fault))
        return translate(template).format_map(params)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (id and parameters) for the database."""
        return {"id": self.id, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The inverse of :meth:`to_dict`."""
        return cls(str(data["id"]), dict(data.get("params") or {}))
