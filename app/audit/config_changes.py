"""Changes of the station config, as audit entries.

The config is a TOML file edited outside the program (an editor, a deployment tool), so the
station cannot know who edited it; it can prove *what* changed and *when it took effect*. At
every start the station compares the config it loaded with the one it ran last (kept in the
database as a JSON snapshot) and, when they differ, appends one ``config.change`` entry with
every changed key path, before and after, and the operating-system login that started it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from app.audit.trail import AuditTrail
from app.config import StationConfig
from app.storage.state import StateStore

SNAPSHOT_KEY = "config_snapshot"
CONFIG_CHANGE = "config.change"
#: Changed key paths written into one entry; more are counted (a whole new line, say).
MAX_CHANGES = 200

Change = dict[str, Any]


def config_document(config: StationConfig) -> dict[str, Any]:
    """The config as plain JSON data (what the snapshot keeps and the diff compares)."""
    document: dict[str, Any] = json.loads(config.model_dump_json())
    return document


def fingerprint(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of named tables (devices, tags) by name, so a path reads ``devices.oven``; None
    when the items are not all uniquely named tables."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    named = {i["name"]: i for i in items}
    return named if len(named) == len(items) else None


def changes(before: Any, after: Any, path: str = "") -> Iterator[Change]:
    """Every changed leaf as ``{"path", "before", "after"}`` (a missing side is None)."""
    if isinstance(before, list) and isinstance(after, list):
        keyed_before, keyed_after = _keyed(before), _keyed(after)
        if keyed_before is not None and keyed_after is not None:
            before, after = keyed_before, keyed_after
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            yield from changes(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return
    if before != after:
        yield {"path": path, "before": before, "after": after}


def record_config_change(state: StateStore, trail: AuditTrail, config: StationConfig) -> bool:
    """Audit the difference from the config of the last run, then keep this one; True when an
    entry was written (the first run records the config it started with)."""
    document = config_document(config)
    now = fingerprint(document)
    previous = state.load(SNAPSHOT_KEY)
    if previous is not None and previous.get("sha256") == now:
        return False
    details: dict[str, Any] = {"sha256_after": now, "os_user": _login()}
    if previous is None:
        details["first_run"] = True
    else:
        found = list(changes(previous.get("config"), document))
        details["sha256_before"] = previous.get("sha256")
        details["changes"] = found[:MAX_CHANGES]
        if len(found) > MAX_CHANGES:
            details["more_changes"] = len(found) - MAX_CHANGES
    trail.record(None, CONFIG_CHANGE, config.station.station, details)
    state.save(SNAPSHOT_KEY, {"sha256": now, "config": document})
    return True


def remember_config(state: StateStore, config: StationConfig) -> None:
    """Keep ``config`` as the last one run: an edit made in the program (audited where it was
    made) is not reported again as an outside change at the next start."""
    document = config_document(config)
    state.save(SNAPSHOT_KEY, {"sha256": fingerprint(document), "config": document})


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a service account without a passwd entry)
        return ""
