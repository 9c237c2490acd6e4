"""Resolve the alarm tables of a station config into runnable :class:`AlarmDefinition` objects."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from app.alarms.model import AlarmDefinition, Kind, Priority, custom_message
from app.config import DeviceConfig, StationConfig, TagConfig
from app.config.alarms import (
    AlarmOptions,
    BadValueAlarm,
    DeviationAlarm,
    DiscreteAlarm,
    LimitAlarm,
    RateAlarm,
    TagAlarms,
)
from app.config.checks import resolve_tag
from app.messages import Message

log = logging.getLogger(__name__)


def quantity(value: float, unit: str = "") -> Message:
    """``700 °C`` or a bare ``700``, as a message (nested in alarm messages)."""
    if unit:
        return Message("alarm.quantity", {"value": value, "unit": unit})
    return Message("alarm.number", {"value": value})


def comm_alarm_id(device: str) -> str:
    """Id of a device's communication-loss alarm."""
    return f"{device}.@comm"


def anomaly_alarm_id(device: str, tag: str | None, detector: str) -> str:
    """Id of an anomaly alarm raised by ``detector`` on a tag or a whole device."""
    return f"{device}.{tag}.@anomaly.{detector}" if tag else f"{device}.@anomaly.{detector}"


def build_definitions(config: StationConfig, tag_ids: Mapping[str, int]) -> list[AlarmDefinition]:
    """Every configured tag alarm of the enabled devices whose tags the engine polls."""
    definitions: list[AlarmDefinition] = []
    for device in config.devices:
        if not device.enabled:
            continue
        for tag in device.tags:
            if tag.alarms is None:
                continue
            full = f"{device.name}.{tag.name}"
            if full not in tag_ids:
                log.warning("alarms of %s ignored: the engine does not poll this tag", full)
                continue
            for name, alarm in tag.alarms.conditions():
                if not alarm.enabled:
                    continue
                definition = _definition(device, tag, tag.alarms, name, alarm, tag_ids)
                if definition is not None:
                    definitions.append(definition)
    return definitions


def _definition(
    device: DeviceConfig,
    tag: TagConfig,
    defaults: TagAlarms,
    name: str,
    alarm: AlarmOptions,
    tag_ids: Mapping[str, int],
) -> AlarmDefinition | None:
    unit = tag.unit or ""
    subject = tag.description or tag.name
    params: dict[str, object]
    default: Message
    if isinstance(alarm, LimitAlarm):
        kind = Kind.LIMIT
        sign = 1.0 if name in ("hh", "h") else -1.0
        params = {"sign": sign, "limit": alarm.limit}
        default = Message(
            f"alarm.limit.{name}", {"subject": subject, "limit": quantity(alarm.limit, unit)}
        )
    elif isinstance(alarm, DeviationAlarm):
        kind = Kind.DEVIATION
        setpoint = resolve_tag(alarm.setpoint, device.name)
        if setpoint not in tag_ids:
            log.warning(
                "deviation alarm of %s.%s ignored: no setpoint %s", device.name, tag.name, setpoint
            )
            return None
        params = {
            "setpoint_id": tag_ids[setpoint],
            "limit": alarm.limit,
            "direction": alarm.direction,
        }
        default = Message(
            "alarm.deviation",
            {"subject": subject, "setpoint": setpoint, "limit": quantity(alarm.limit, unit)},
        )
    elif isinstance(alarm, RateAlarm):
        kind = Kind.RATE
        per_second = alarm.limit / (60.0 if alarm.per == "min" else 1.0)
        params = {"limit": per_second, "direction": alarm.direction}
        default = Message(
            "alarm.rate",
            {"subject": subject, "limit": quantity(alarm.limit, unit), "per": alarm.per},
        )
    elif isinstance(alarm, DiscreteAlarm):
        kind = Kind.DISCRETE
        params = {"equals": alarm.equals, "values": alarm.values, "bit": alarm.bit}
        default = Message("alarm.discrete", {"subject": subject, "name": alarm.name})
    elif isinstance(alarm, BadValueAlarm):
        kind = Kind.BAD_VALUE
        params = {}
        default = Message("alarm.bad_value", {"subject": subject})
    else:  # pragma: no cover - the config model admits no other kind
        raise TypeError(type(alarm).__name__)

    suppress = alarm.suppress_when or defaults.suppress_when
    suppress_key = None
    if suppress is not None:
        target = resolve_tag(suppress.tag, device.name)
        if target in tag_ids:
            suppress_key = (tag_ids[target], tuple(sorted(suppress.values)))
        else:
            log.warning(
                "suppression of %s.%s.%s ignored: no tag %s", device.name, tag.name, name, target
            )

    def pick(value: float | bool | None, fallback: float | bool) -> float | bool:
        return fallback if value is None else value

    return AlarmDefinition(
        alarm_id=f"{device.name}.{tag.name}.{name}",
        device=device.name,
        tag=tag.name,
        condition=name,
        kind=kind,
        priority=Priority.parse(alarm.priority or "medium"),
        message=custom_message(alarm.message) if alarm.message else default,
        response=alarm.response,
        tag_id=tag_ids[f"{device.name}.{tag.name}"],
        deadband=float(pick(alarm.deadband, defaults.deadband)),
        on_delay_s=float(pick(alarm.on_delay_s, defaults.on_delay_s)),
        off_delay_s=float(pick(alarm.off_delay_s, defaults.off_delay_s)),
        latched=bool(pick(alarm.latched, defaults.latched)),
        suppress_key=suppress_key,
        params=params,
    )
