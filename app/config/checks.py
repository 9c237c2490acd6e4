"""Checks that span a whole station: references between tags, alarms and detectors.

Pydantic validates each table on its own; these look across tables (a deviation alarm's setpoint
in another device, a multivariate detector's tag list). They run once, in
:func:`app.config_loader.parse_config`; the alarm manager and the anomaly monitor trust a loaded
config and never check it again.
"""

from __future__ import annotations

from app.config.alarms import AlarmOptions, DeviationAlarm, DiscreteAlarm, TagAlarms
from app.config.cluster import cluster_problems
from app.config.detectors import MultivariateSettings, TagDetectors
from app.config.layout import layout_problems
from app.config.schema import DeviceConfig, StationConfig, TagConfig
from app.config.sharing import sharing_problems

#: Tags no univariate or multivariate detector watches by default.
NON_NUMERIC_TYPES = ("bool", "string")


def resolve_tag(ref: str, device: str) -> str:
    """``"speed_sp"`` within device ``press`` -> ``"press.speed_sp"``; full names unchanged."""
    return ref if "." in ref else f"{device}.{ref}"


def tag_settings(device: DeviceConfig, tag: TagConfig) -> TagDetectors | None:
    """A tag's own detectors, else the device's ``all_tags`` for numeric tags, else none."""
    if tag.detectors is not None:
        return tag.detectors if tag.detectors.enabled else None
    defaults = device.detectors.all_tags if device.detectors is not None else None
    if defaults is None or not defaults.enabled or tag.data_type in NON_NUMERIC_TYPES:
        return None
    return defaults


def multivariate_tags(device: DeviceConfig, settings: MultivariateSettings) -> list[str]:
    """The tags a device's multivariate detector watches (its list, or every numeric tag)."""
    if settings.tags is not None:
        return list(settings.tags)
    return [t.name for t in device.tags if t.data_type not in NON_NUMERIC_TYPES]


def station_problems(config: StationConfig) -> list[str]:
    """Every cross-table problem of a station, as ``key.path: message`` lines."""
    devices = [d.name for d in config.devices]
    tags = [f"{d.name}.{t.name}" for d in config.devices for t in d.tags]
    return (
        reference_problems(config)
        + detector_problems(config)
        + production_problems(config)
        + layout_problems(config.layout, devices)
        + sharing_problems(config.sharing, tags)
        + quality_problems(config)
        + cluster_problems(config)
    )


def quality_problems(config: StationConfig) -> list[str]:
    """Quality characteristics, inspections and scans that name unknown devices or tags."""
    devices = {d.name: {t.name: t for t in d.tags} for d in config.devices}
    problems: list[str] = []

    def check(where: str, device: str, tag: str | None, numeric: bool = True) -> None:
        if device not in devices:
            problems.append(f"{where}: no device named '{device}'")
            return
        if tag is None:
            return
        found = devices[device].get(tag)
        if found is None:
            problems.append(f"{where}: no tag named '{tag}' in device '{device}'")
        elif numeric and found.data_type == "string":
            problems.append(f"{where}: tag '{tag}' is a string, not a number")
        elif not numeric and found.data_type != "string":
            problems.append(f"{where}: tag '{tag}' is a {found.data_type}, not a string")

    quality = config.quality
    for index, char in enumerate(quality.characteristics):
        check(f"quality.characteristics[{index}].tag", char.device, char.tag)
    for index, inspection in enumerate(quality.inspections):
        base = f"quality.inspections[{index}]"
        check(f"{base}.device", inspection.device, None)
        check(f"{base}.part_done", inspection.device, inspection.part_done)
        if inspection.serial_tag is not None:
            check(f"{base}.serial_tag", inspection.device, inspection.serial_tag, numeric=False)
        for r_index, rule in enumerate(inspection.rejects):
            check(f"{base}.rejects[{r_index}].tag", inspection.device, rule.tag)
    for key in ("scan_start", "scan_close"):
        for index, device in enumerate(getattr(quality, key)):
            check(f"quality.{key}[{index}]", device, None)
    return problems


def production_problems(config: StationConfig) -> list[str]:
    """Part counters that name tags a device does not have, or tags that are no numbers."""
    problems: list[str] = []
    for index, device in enumerate(config.devices):
        if device.production is None:
            continue
        known = {t.name: t for t in device.tags}
        for key in ("good", "reject"):
            name = getattr(device.production, key)
            if name is None:
                continue
            where = f"devices[{index}].production.{key}"
            if name not in known:
                problems.append(f"{where}: no tag named '{name}' in device '{device.name}'")
            elif known[name].data_type in NON_NUMERIC_TYPES:
                problems.append(f"{where}: tag '{name}' is a {known[name].data_type}, not a count")
    return problems


def reference_problems(config: StationConfig) -> list[str]:
    """Setpoint and suppression tags that do not exist."""
    known = {f"{d.name}.{t.name}" for d in config.devices for t in d.tags}
    problems: list[str] = []
    for d_index, device in enumerate(config.devices):
        for t_index, tag in enumerate(device.tags):
            if tag.alarms is None:
                continue
            base = f"devices[{d_index}].tags[{t_index}].alarms"
            checks: list[tuple[str, str]] = []
            if tag.alarms.suppress_when is not None:
                checks.append((f"{base}.suppress_when.tag", tag.alarms.suppress_when.tag))
            for name, alarm in _conditions_with_paths(tag.alarms):
                if alarm.suppress_when is not None:
                    checks.append((f"{base}.{name}.suppress_when.tag", alarm.suppress_when.tag))
                if isinstance(alarm, DeviationAlarm):
                    checks.append((f"{base}.{name}.setpoint", alarm.setpoint))
            for path, ref in checks:
                full = resolve_tag(ref, device.name)
                if full not in known:
                    problems.append(f"{path}: no tag '{full}' in this station")
                elif full == f"{device.name}.{tag.name}" and path.endswith("setpoint"):
                    problems.append(f"{path}: a tag cannot be its own setpoint")
    return problems


def _conditions_with_paths(alarms: TagAlarms) -> list[tuple[str, AlarmOptions]]:
    paths: list[tuple[str, AlarmOptions]] = []
    for name, alarm in alarms.conditions():
        if isinstance(alarm, DiscreteAlarm):
            paths.append((f"discrete[{alarms.discrete.index(alarm)}]", alarm))
        else:
            paths.append((name, alarm))
    return paths


def detector_problems(config: StationConfig) -> list[str]:
    """Detector settings that name tags a device does not have, or too few to work with."""
    problems: list[str] = []
    for index, device in enumerate(config.devices):
        gate = device.detectors.active_when if device.detectors is not None else None
        if gate is not None and gate.tag not in {t.name for t in device.tags}:
            problems.append(
                f"devices[{index}].detectors.active_when.tag: no tag named '{gate.tag}' "
                f"in device '{device.name}'"
            )
    for index, device in enumerate(config.devices):
        settings = device.detectors.multivariate if device.detectors is not None else None
        if settings is None or not settings.enabled:
            continue
        where = f"devices[{index}].detectors.multivariate.tags"
        known = {t.name: t for t in device.tags}
        names = multivariate_tags(device, settings)
        for name in names:
            if name not in known:
                problems.append(f"{where}: no tag named '{name}' in device '{device.name}'")
            elif known[name].data_type == "string":
                problems.append(f"{where}: tag '{name}' is a string, not a number")
        if len(names) < 2:
            problems.append(f"{where}: needs at least 2 numeric tags")
    return problems
