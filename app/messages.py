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
    # Orders from the cluster's lead that the station cannot take (app/orders/feed.py).
    "orders.feed.in_order": "order '{order}': {problem}",
    "orders.feed.field": "{field}: {problem}",
    "orders.feed.too_large": "the message is larger than {limit} bytes",
    "orders.feed.not_json": "not JSON: {detail}",
    "orders.feed.not_object": "not a JSON object",
    "orders.feed.version": "payload version {got} is not {want}",
    "orders.feed.unknown_field": "unknown field",
    "orders.feed.text_required": "must be a non-empty text",
    "orders.feed.text_too_long": "must be at most {limit} printable characters",
    "orders.feed.revision": "must be a whole number of at least 1 (got {got})",
    "orders.feed.action": "must be one of {choices} (got {got})",
    "orders.feed.quantity": "must be a whole number from 1 to {limit} (got {got})",
    "orders.feed.due": "must be Unix seconds or an ISO 8601 time with offset (got {got})",
    "orders.feed.sender": "must be a text of at most {limit} characters",
    "orders.feed.refused": "order '{order}' revision {revision}: {action} refused",
    "event.comm_restored": "{device}: communication restored",
    "event.part_scanned": "{device}: part {serial} scanned",
    "event.state_changed": "{device}: {from_label} → {to_label}",
    "event.device_write.confirmed": "{device}: {user} wrote {tag} = {value} (was {before})",
    "event.device_write.differs": "{device}: {user} wrote {tag} = {value}, but it reads {after}",
    "event.device_write.failed": "{device}: {user} could not write {tag} = {value} ({error})",
    "event.device_write_refused.refused": "{device}: write of {tag} = {value} refused ({error})",
    "event.unknown": "{device}: {kind}",
    "event.disk_full": (
        "Database disk full: new samples are kept in memory (at most {cap:,}) until space is "
        "freed; beyond that the oldest are dropped"
    ),
    "event.samples_dropped": (
        "Database disk still full: the memory buffer is at {cap:,} samples, the oldest unsaved "
        "samples are being dropped ({dropped:,} so far)"
    ),
    "event.storage_resumed": (
        "Database writes again after a full disk: {pending:,} buffered samples are being "
        "written, {dropped:,} were dropped"
    ),
    # The database's health, as the status bar and the log say it.
    "storage.disk_full": (
        "disk full: {pending:,} samples waiting in memory (at most {cap:,}), {dropped:,} oldest "
        "dropped"
    ),
    # Alarm messages (app/alarms): the subject is a tag's description or name, a machine's
    # title; quantities are nested "alarm.quantity" / "alarm.number" messages.
    "alarm.custom": "{text}",
    "alarm.quantity": "{value:g} {unit}",
    "alarm.number": "{value:g}",
    "alarm.limit.hh": "{subject} high-high: above {limit}",
    "alarm.limit.h": "{subject} high: above {limit}",
    "alarm.limit.l": "{subject} low: below {limit}",
    "alarm.limit.ll": "{subject} low-low: below {limit}",
    "alarm.deviation": "{subject} deviates from {setpoint} by more than {limit}",
    "alarm.rate": "{subject} changes faster than {limit}/{per}",
    "alarm.discrete": "{subject}: {name}",
    "alarm.bad_value": (
        "{subject}: bad value (not a number or out of range), its alarms cannot work"
    ),
    "alarm.comm": "No communication with {device}",
    "alarm.comm_fault": "No communication with {device}: {fault_text}",
    "alarm.anomaly": "Anomaly found by {detector}",
    # Anomaly explanations: the subject (a tag's description or a machine's title) and why.
    "anomaly.tag": "{subject} {detail}",
    "anomaly.machine": "{subject}: {detail}",
    "duration.second": "{n:g}-second",
    "duration.minute": "{n}-minute",
    "duration.hour": "{n}-hour",
    "duration.day": "{n}-day",
    "duration.samples": "{n}-sample",
    "robust.spread": "spread {ratio:.1f}x that of its {baseline} baseline",
    "robust.step_above": "level {sigma:.1f}σ above its {baseline} baseline (step)",
    "robust.step_below": "level {sigma:.1f}σ below its {baseline} baseline (step)",
    "robust.spike_above": "{sigma:.1f}σ above its {baseline} baseline (spike)",
    "robust.spike_below": "{sigma:.1f}σ below its {baseline} baseline (spike)",
    "drift.up": (
        "drifting upwards: about {sigma:.1f}σ from its {reference} reference over the last "
        "{samples} samples"
    ),
    "drift.down": (
        "drifting downwards: about {sigma:.1f}σ from its {reference} reference over the last "
        "{samples} samples"
    ),
    "flatline.stuck": "stuck at {value:.6g} for {samples} samples (sensor or wiring fault?)",
    "limits.not_a_number": "value {value} is not a number",
    "limits.below": "value {value:.6g} below the possible minimum {limit:.6g}",
    "limits.above": "value {value:.6g} above the possible maximum {limit:.6g}",
    "limits.jump": "jumped by {step:+.6g} in one sample (at most {limit:.6g} is possible)",
    "limits.ok": "within its possible range",
    "spc.fired": "Nelson rule {rule}: {text} ({z:+.1f}σ from the centre {center:.6g})",
    "spc.fired_now": "Nelson rule {rule}: {text} (now {z:+.1f}σ from the centre {center:.6g})",
    "spc.in_control": "in control",
    "spc.rule1": "one point beyond 3σ",
    "spc.rule2": "{run} points in a row on one side of the centre line",
    "spc.rule3_rising": "6 points in a row steadily rising",
    "spc.rule3_falling": "6 points in a row steadily falling",
    "spc.rule4": "14 points in a row alternating up and down",
    "spc.rule5": "2 of 3 points beyond 2σ on one side",
    "spc.rule6": "4 of 5 points beyond 1σ on one side",
    "spc.rule7": "15 points in a row within 1σ (stratification)",
    "spc.rule8": "8 points in a row beyond 1σ on either side (mixture)",
    "sequence.range": (
        "value {percent:.0f} % of its range beyond anything seen so far ({low:.6g} .. {high:.6g})"
    ),
    "sequence.shape": (
        "the shape of its last {length} samples is new (chance about {chance:.0e} under normal "
        "behaviour)"
    ),
    "sequence.value": (
        "a value it has not taken before (chance about {chance:.0e} under normal behaviour)"
    ),
    "sequence.normal": "behaving as before",
    "pca.spe": "tags no longer move together as they normally do (Q/SPE {ratio:.1f}x its limit)",
    "pca.t2": "tags jointly far from their normal operating point (T² {ratio:.1f}x its limit)",
    "pca.contributors": "{what}; contributors: {parts}",
    "process.knn": (
        "a combination of values not seen while learning (distance {ratio:.1f}x its limit)"
    ),
    "process.learning": "learning the normal operating region ({rows} of {of} rows)",
    # Quality input refused (defect entry dialog, `shopfloor defects add`).
    "quality.unknown_code": "unknown defect code '{code}' (known: {known})",
    "quality.bad_serial": "serial '{serial}' does not match the pattern {pattern}",
    "quality.no_serial": "a serial is required",
    "quality.unknown_machine": "unknown machine '{machine}' (known: {known})",
    "quality.photo_missing": "photo {path} does not exist or cannot be read",
    "quality.photo_not_image": "photo {path} is not an image (PNG, JPEG, GIF, BMP, WebP, TIFF)",
    "quality.photo_too_large": "photo {path} is larger than {limit:g} MB",
    "quality.unknown_defect": "no defect with id {defect}",
    "quality.voided": "defect {defect} is voided and cannot be changed",
    "quality.void_reason": "a reason is required to void a defect",
    "quality.nothing_changed": "nothing to change",
    "quality.bad_measured": "measured value '{text}' is not NAME=NUMBER",
    "quality.notes_too_long": "notes are longer than {limit} characters",
    "quality.denied": "{user} may not {action}: {reason}",
    # Cluster sync (app/sync): the publisher's status, shown in the status bar and the log.
    "sync.off": "Sync off",
    "sync.connecting": "Connecting to {broker}",
    "sync.connected": "Connected to {broker}",
    "sync.unreachable": "Broker {broker} unreachable ({detail}); retrying in {retry_s:g} s",
    "sync.tls": "TLS with {broker} failed ({detail}); retrying in {retry_s:g} s",
    "sync.refused.credentials": (
        "Broker {broker} refused the user name or password; retrying in {retry_s:g} s"
    ),
    "sync.refused.not_authorised": (
        "Broker {broker} refused {client_id} as not authorised (check the user name, the "
        "password and the client id); retrying in {retry_s:g} s"
    ),
    "sync.refused.client_id": (
        "Broker {broker} refused the client id {client_id}; retrying in {retry_s:g} s"
    ),
    "sync.refused": "Broker {broker} refused the connection ({detail}); retrying in {retry_s:g} s",
    "sync.closed": (
        "Broker {broker} closed the connection before accepting it ({detail}); "
        "retrying in {retry_s:g} s"
    ),
    "sync.closed.tls": (
        "Broker {broker} closed the TLS connection before accepting it ({detail}): does it "
        "require a client certificate? Retrying in {retry_s:g} s"
    ),
    "sync.lost": "Connection to {broker} lost ({detail}); retrying in {retry_s:g} s",
    "sync.no_password": (
        "The environment variable {variable} that holds the broker password is not set; "
        "retrying in {retry_s:g} s"
    ),
    "sync.no_keyring_password": "The broker password cannot be read from the keyring ({detail})",
    "sync.backlog": "{count} messages wait to be sent (warning at {limit})",
    "sync.rejected": "The broker rejected message {seq} ({detail}); it is not sent again",
    "sync.https.ok": "Delivering to {url}",
    "sync.https.idle": "Nothing sent to {url} yet",
    "sync.https.unreachable": "{url} unreachable ({detail}); retrying in {retry_s:g} s",
    "sync.https.tls": "TLS with {url} failed ({detail}); retrying in {retry_s:g} s",
    "sync.https.status": "{url} answered HTTP {code} {detail}; retrying in {retry_s:g} s",
    "sync.https.refused": (
        "{url} refused message {seq} ({id}) with HTTP {code}; it is marked failed and not sent "
        "again"
    ),
    "sync.https.no_token": (
        "The environment variable {variable} that holds the HTTPS token is not set; "
        "retrying in {retry_s:g} s"
    ),
    "sync.too_large": (
        "Message {seq} ({id}) is {size} bytes, more than {sink} takes ({limit}), and cannot be "
        "split; it is marked failed and not sent again"
    ),
    "sync.sparkplug.host_offline": (
        "Connected to {broker}; the Sparkplug primary host {host} is offline: data waits in the "
        "outbox until it is back"
    ),
    "sync.sparkplug.next_server": "The Sparkplug host asked for the next server: reconnecting",
    "sync.sparkplug.birth_too_large": (
        "The Sparkplug birth (NBIRTH) is {size} bytes, more than {sink} takes ({limit}): nothing "
        "is sent as Sparkplug until the broker's limit is raised and you press Send again"
    ),
}


#: The product's own names of machine states. A ``[devices.states]`` label written as one of
#: these is a product text, shown in the reader's language; any other label (``"고장"``, ``"Die
#: change"``) is the plant's own words, shown as configured, like device titles.
STATE_NAMES: tuple[str, ...] = (
    "Running",
    "Stopped",
    "Idle",
    "Fault",
    "Maintenance",
    "Setup",
    "Changeover",
    "Planned stop",
    "Off",
)
_STATE_NAMES = frozenset(STATE_NAMES)
#: Message parameters that carry a machine state's label (``event.state_changed``).
_STATE_PARAMS = ("from_label", "to_label")


def _identity(text: str) -> str:
    return text


def state_name(label: str, translate: Translator = _identity) -> str:
    """A machine state's label in the reader's language if it is one of the product's names
    (:data:`STATE_NAMES`), else as configured."""
    return translate(label) if label in _STATE_NAMES else label


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
        params = _Lenient(
            {
                k: v.render(translate) if isinstance(v, Message) else v
                for k, v in self.params.items()
            }
        )
        for key in _STATE_PARAMS:
            label = params.get(key)
            if isinstance(label, str):
                params[key] = state_name(label, translate)
        fault = params.get("fault")
        if isinstance(fault, str) and "fault_text" not in params:
            params["fault_text"] = translate(FAULTS.get(fault, fault))
        try:
            return translate(template).format_map(params)
        except (ValueError, TypeError, IndexError):  # a parameter of the wrong kind: still say it
            return f"{translate(template)} {dict(self.params)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (id and parameters, nested messages included) for the database."""
        return {"id": self.id, "params": {k: _to_json(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The inverse of :meth:`to_dict`."""
        params = data.get("params") or {}
        return cls(str(data["id"]), {k: _from_json(v) for k, v in params.items()})


def _rendered(value: Any, translate: Translator) -> Any:
    return value.render(translate) if isinstance(value, Message) else value


_NESTED = "$message"


def _to_json(value: Any) -> Any:
    return {_NESTED: value.to_dict()} if isinstance(value, Message) else value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_NESTED}:
        return Message.from_dict(value[_NESTED])
    return value
