"""The ``[sync]`` table: publishing the station's summaries to the cluster's MQTT broker.

Secrets never appear in the file: the password is named by the environment variable that
holds it (``password_env = "SHOPFLOOR_MQTT_PASSWORD"``), so a config can be shared, versioned
and shown in a support ticket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from app.config.base import StrictModel
from app.config.errors import LocatedError

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
SCHEMES = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883}
TLS_SCHEMES = {"mqtts", "ssl"}


class TlsConfig(StrictModel):
    """TLS to the broker: the CA that signed its certificate, optionally a client certificate."""

    ca_file: str | None = None
    """PEM file of the CA(s) to trust; default: the system's trust store."""
    cert_file: str | None = None
    key_file: str | None = None

    @field_validator("ca_file", "cert_file", "key_file")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).expanduser().is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            missing = "key_file" if self.key_file is None else "cert_file"
            raise LocatedError((missing,), "a client certificate needs both cert_file and key_file")
        return self


class HttpsSinkConfig(StrictModel):
    """``[sync.https]``: the same outbox POSTed in batches to a platform's REST endpoint."""

    enabled: bool = True
    url: str = Field(min_length=1)
    """``https://host/path``; every batch is POSTed here as JSON."""
    ca_file: str | None = None
    """PEM file of the CA(s) to trust; default: the system's trust store."""
    token_env: str | None = Field(default=None, pattern=ENV_NAME)
    """Name of the environment variable holding a bearer token (never the token)."""
    batch_size: int = Field(default=500, ge=1, le=10_000)
    """Most messages per request."""
    batch_bytes: int = Field(default=1_000_000, ge=1024, le=100_000_000)
    """Most bytes of one request body (a larger message goes alone, or split)."""
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    retry_max_s: float = Field(default=60.0, ge=0.1, le=3600.0)
    """Longest wait between attempts (the wait doubles from ``retry_min_s``, with jitter)."""
    retry_min_s: float = Field(default=1.0, ge=0.01, le=60.0)

    @field_validator("ca_file")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).expanduser().is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https":
            raise ValueError(f"'{value}' is not an https:// URL")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"'{value}': the port must be a number 1..65535") from None
        if not parts.hostname or port == 0:
            raise ValueError(
                f"'{value}' names no host"
                if not parts.hostname
                else f"'{value}': the port must be a number 1..65535"
            )
        if parts.username or parts.password:
            raise ValueError("put no credentials in the URL: use token_env")
        return value

    @model_validator(mode="after")
    def _retry_range(self) -> HttpsSinkConfig:
        if self.retry_min_s > self.retry_max_s:
            raise LocatedError(("retry_min_s",), "retry_min_s is larger than retry_max_s")
        return self


class SparkplugConfig(StrictModel):
    """``[sync.sparkplug]``: the same outbox as a Sparkplug B edge node on the ``[sync]`` broker
    (its TLS and credentials), for platforms that speak Sparkplug B."""

    enabled: bool = True
    group_id: str = Field(min_length=1, max_length=64)
    edge_node_id: str | None = Field(default=None, min_length=1, max_length=64)
    """Default: the station's name."""
    primary_host_id: str | None = Field(default=None, min_length=1, max_length=64)
    """The Sparkplug primary host application's id: births and data go out only while its
    ``spBv1.0/STATE/<id>`` says online (the outbox keeps the rest). Default: no such wait."""

    @field_validator("group_id", "edge_node_id", "primary_host_id")
    @classmethod
    def _topic_level(cls, value: str | None) -> str | None:
        if value is not None and any(c in value for c in "/+#"):
            raise ValueError(f"'{value}' may not contain '/', '+' or '#' (one topic level)")
        return value


class SyncConfig(StrictModel):
    """Where and how the station publishes (docs/SYNC.md)."""

    enabled: bool = True
    broker: str | None = Field(default=None, min_length=1)
    """``mqtt://host:1883`` or ``mqtts://host:8883`` (TLS). Optional with ``[sync.https]``: the
    station then only POSTs to that endpoint."""
    protocol: Literal["5", "3.1.1"] = "5"
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    """Default: ``shopfloor-<station>``."""
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=ENV_NAME)
    password_keyring: str | None = Field(default=None, pattern=r"^[^/\s]+/[^/\s]+$")
    """Or: the OS keyring entry ``SERVICE/USER`` that holds the password (``keyring``)."""
    """Name of the environment variable holding the password (never the password)."""
    tls: TlsConfig | None = None
    topic_prefix: str = Field(default="shopfloor", min_length=1, max_length=64)
    interval_s: float = Field(default=60.0, ge=1.0, le=3600.0)
    """Length of one summary interval."""
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    drain_rate: float = Field(default=500.0, ge=0)
    """Most replayed (historical) messages per second after a reconnection; 0: no limit."""
    backlog_warning: int = Field(default=100_000, ge=1)
    """Undelivered messages at which the status warns."""
    retry_max_s: float = Field(default=60.0, ge=1.0, le=3600.0)
    """Longest wait between connection attempts (the wait doubles from 1 s)."""
    keep_delivered_days: float = Field(default=7.0, gt=0)
    max_message_bytes: int | None = Field(default=None, ge=256, le=268_435_455)
    """The most payload bytes the broker takes (mosquitto's ``message_size_limit``): a larger
    message is split or reported. An MQTT 5 broker's maximum packet size is learned anyway."""
    https: HttpsSinkConfig | None = None
    """A second sink: the same messages POSTed to a REST endpoint (docs/SYNC.md)."""
    sparkplug: SparkplugConfig | None = None
    """The same messages as Sparkplug B (NBIRTH/NDATA/NDEATH) on the same broker."""
    """A second sink: the same messages POSTed to a REST endpoint (docs/SYNC.md)."""
    publish_own: bool = True
    """Publish the station's own messages (for its company's platform); false: only the copies
    the ``[sharing]`` policy grants the cluster's partners leave the station."""

    @model_validator(mode="after")
    def _one_password_source(self) -> SyncConfig:
        if self.password_env is not None and self.password_keyring is not None:
            raise LocatedError(
                ("password_keyring",), "name the password once: password_env or password_keyring"
            )
        return self

    @model_validator(mode="after")
    def _a_sink(self) -> SyncConfig:
        if self.broker is None:
            if self.https is None or not self.https.enabled:
                raise LocatedError(
                    ("broker",),
                    "required key is missing (or give an enabled [sync.https] for a station "
                    "that only posts to an HTTPS endpoint)",
                )
            if self.sparkplug is not None and self.sparkplug.enabled:
                raise LocatedError(
                    ("broker",), "[sync.sparkplug] publishes on the broker: give one"
                )
        return self

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in SCHEMES:
            raise ValueError(
                f"'{value}' is not a broker URL: use mqtt://host:1883 or mqtts://host:8883"
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"'{value}': the port must be a number 1..65535") from None
        if not parts.hostname:
            raise ValueError(f"'{value}' names no host")
        if port == 0:
            raise ValueError(f"'{value}': the port must be a number 1..65535")
        if parts.username or parts.password:
            raise ValueError("put no credentials in the broker URL: use username and password_env")
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if any(c in value for c in "+#") or value.strip("/") == "":
            raise ValueError("the topic prefix may not contain '+' or '#' or be only '/'")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.broker or "").hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.broker or "")
        return parts.port or SCHEMES.get(parts.scheme, 0)

    @property
    def uses_tls(self) -> bool:
        return urlsplit(self.broker or "").scheme in TLS_SCHEMES or self.tls is not None
