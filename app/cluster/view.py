"""What the cluster's lead sees of its partners, read from the receiver's database.

Per partner station: online, last seen and stale (not seen for ``stale_after_s``), device
connections and backlog from its newest status, each machine's newest OEE, open alarms by
priority, the defect rate (rejects over parts in the machines' newest OEE intervals), the
open orders' progress and delivery risk. Everything comes from the receiver's small
``cluster_latest`` table (one row per station, kind and subject) and ``cluster_stations``; the
drill-down reads one station's newest messages by its sequence index. Pure functions of a
database: the screen runs them on the gateway's reader thread, ``shopfloor cluster status``
directly. SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.storage.database import Database
from app.sync.receiver import latest, messages, metadata, stations

#: A partner not heard from for this long is stale (a few status intervals).
DEFAULT_STALE_AFTER_S = 180.0
#: Alarm states that are open: active, or returned but not yet acknowledged or reset.
OPEN_ALARM_STATES = frozenset({"unack", "acked", "rtn_unack", "latched"})
#: Worst first: the delivery risk a partner shows is its worst open order's.
RISK_ORDER = ("late", "at_risk", "unknown", "on_time")


@dataclass(frozen=True, slots=True)
class MachineFigures:
    """One machine's newest OEE interval."""

    device: str
    end: float | None
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    good: int
    reject: int


@dataclass(frozen=True, slots=True)
class OrderFigures:
    """One open order's newest progress."""

    order_id: str
    part_number: str
    customer: str
    quantity: int | None
    good: int
    reject: int
    status: str
    due: float | None
    eta: float | None
    risk: str

    @property
    def progress(self) -> float | None:
        return min(1.0, self.good / self.quantity) if self.quantity else None


@dataclass(frozen=True, slots=True)
class PartnerStatus:
    """One partner station as the cluster view shows it."""

    station: str
    last_seen: float | None
    online: bool | None
    stale: bool
    received: int
    duplicates: int
    status_at: float | None = None
    devices_total: int | None = None
    devices_connected: int | None = None
    backlog: int | None = None
    machines: tuple[MachineFigures, ...] = ()
    open_alarms: dict[int, int] = field(default_factory=dict)
    """Priority -> number of open alarms."""
    orders: tuple[OrderFigures, ...] = ()

    @property
    def oee(self) -> float | None:
        """Mean OEE of the machines that have one."""
        values = [m.oee for m in self.machines if m.oee is not None]
        return sum(values) / len(values) if values else None

    @property
    def defect_rate(self) -> float | None:
        """Rejects over parts made in the machines' newest intervals; None without parts."""
        parts = sum(m.good + m.reject for m in self.machines)
        return sum(m.reject for m in self.machines) / parts if parts else None

    @property
    def risk(self) -> str | None:
        """The worst delivery risk of the open orders; None without orders."""
        risks = [o.risk for o in self.orders]
        return next((r for r in RISK_ORDER if r in risks), None) if risks else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "station": self.station,
            "last_seen": self.last_seen,
            "online": self.online,
            "stale": self.stale,
            "received": self.received,
            "duplicates_dropped": self.duplicates,
            "status_at": self.status_at,
            "devices_total": self.devices_total,
            "devices_connected": self.devices_connected,
            "backlog": self.backlog,
            "oee": self.oee,
            "defect_rate": self.defect_rate,
            "open_alarms": {str(p): n for p, n in sorted(self.open_alarms.items())},
            "risk": self.risk,
            "machines": [vars_of(m) for m in self.machines],
            "orders": [vars_of(o) for o in self.orders],
        }


@dataclass(frozen=True, slots=True)
class StationMessage:
    """One stored message of a station (the drill-down)."""

    seq: int
    kind: str
    topic: str
    created: float
    received: float
    historical: bool
    data: dict[str, Any]


def vars_of(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


def cluster_overview(
    database: Database, now: float, stale_after_s: float = DEFAULT_STALE_AFTER_S
) -> list[PartnerStatus]:
    """Every station the receiver heard of, by name, with its newest figures."""
    metadata.create_all(database)
    with database.connect() as conn:
        known = conn.execute(select(stations).order_by(stations.c.station)).mappings().all()
        records = conn.execute(
            select(latest.c.station, latest.c.kind, latest.c.created, latest.c.payload)
        ).all()
    by_station: dict[str, dict[str, list[tuple[float, dict[str, Any]]]]] = {}
    for station, kind, created, payload in records:
        data = _load(payload)
        by_station.setdefault(station, {}).setdefault(kind, []).append((created, data))
    return [_partner(row, by_station.get(row["station"], {}), now, stale_after_s) for row in known]


def station_messages(
    database: Database, station: str, limit: int = 200, kinds: tuple[str, ...] = ()
) -> list[StationMessage]:
    """The newest ``limit`` messages of one station, newest first (optionally some kinds)."""
    metadata.create_all(database)
    query = select(
        messages.c.seq,
        messages.c.kind,
        messages.c.topic,
        messages.c.created,
        messages.c.received,
        messages.c.historical,
        messages.c.payload,
    ).where(messages.c.station == station)
    if kinds:
        query = query.where(messages.c.kind.in_(kinds))
    query = query.order_by(messages.c.seq.desc()).limit(limit)
    with database.connect() as conn:
        rows = conn.execute(query).all()
    return [
        StationMessage(seq, kind, topic, created, received, bool(hist), _load(payload))
        for seq, kind, topic, created, received, hist, payload in rows
    ]


def _partner(
    row: Any,
    records: dict[str, list[tuple[float, dict[str, Any]]]],
    now: float,
    stale_after_s: float,
) -> PartnerStatus:
    last_seen = row["last_seen"]
    values: dict[str, Any] = {}
    status = max(records.get("status", []), key=lambda r: r[0], default=None)
    status_at = None
    if status is not None:
        status_at, data = status
        devices = data.get("devices")
        if isinstance(devices, list):
            values["devices_total"] = len(devices)
            values["devices_connected"] = sum(
                1 for d in devices if isinstance(d, dict) and d.get("connected")
            )
        if isinstance(data.get("backlog"), int):
            values["backlog"] = data["backlog"]
    machines = sorted(
        (_machine(data) for _, data in records.get("oee", []) if "shift" not in data),
        key=lambda m: m.device,
    )
    alarms: dict[int, int] = {}
    for _, data in records.get("alarm", []):
        if data.get("state") in OPEN_ALARM_STATES:
            priority = _int(data.get("priority")) or 0
            alarms[priority] = alarms.get(priority, 0) + 1
    # Open orders go out with each status, at the same time: an order whose newest record is
    # older than the newest status is no longer open at the station.
    orders = sorted(
        (
            _order(data)
            for created, data in records.get("order_progress", [])
            if status_at is None or created >= status_at
        ),
        key=lambda o: (o.due if o.due is not None else float("inf"), o.order_id),
    )
    return PartnerStatus(
        station=row["station"],
        last_seen=last_seen,
        online=row["online"],
        stale=last_seen is None or now - last_seen > stale_after_s,
        received=int(row["received"] or 0),
        duplicates=int(row["duplicates"] or 0),
        status_at=status_at,
        machines=tuple(machines),
        open_alarms=dict(sorted(alarms.items())),
        orders=tuple(orders),
        **values,
    )


def _machine(data: dict[str, Any]) -> MachineFigures:
    return MachineFigures(
        device=str(data.get("device", "")),
        end=_float(data.get("end")),
        availability=_float(data.get("availability")),
        performance=_float(data.get("performance")),
        quality=_float(data.get("quality")),
        oee=_float(data.get("oee")),
        good=_int(data.get("good")) or 0,
        reject=_int(data.get("reject")) or 0,
    )


def _order(data: dict[str, Any]) -> OrderFigures:
    risk = str(data.get("risk", "unknown"))
    return OrderFigures(
        order_id=str(data.get("order_id", "")),
        part_number=str(data.get("part_number", "")),
        customer=str(data.get("customer", "")),
        quantity=_int(data.get("quantity")),
        good=_int(data.get("good")) or 0,
        reject=_int(data.get("reject")) or 0,
        status=str(data.get("status", "")),
        due=_float(data.get("due")),
        eta=_float(data.get("eta")),
        risk=risk if risk in RISK_ORDER else "unknown",
    )


def _load(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
