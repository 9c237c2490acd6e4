"""One place that makes a paho client for the station's MQTT sessions: the ``[sync]`` publisher,
its Sparkplug B twin, the order subscription, the reference receiver and the order publisher.

Protocol version, login (a password from the environment variable or keyring entry ``[sync]``
names, never from the file), TLS with CA verification and client certificates, and the words a
refused CONNACK becomes are the same for all of them.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from app.config import SyncConfig
from app.messages import Message
from app.secrets import SecretError, remember, resolve

Environ = Callable[[str], str | None]
KeyringGet = Callable[[str, str], str | None]

_CREDENTIALS = {0x86, 0x8C}  # bad user name or password, bad authentication method
_NOT_AUTHORISED = {0x87}  # mosquitto's answer to a wrong password and to a refused client id
_CLIENT_ID = {0x85}


class SetupError(Exception):
    """The client cannot even try to connect (no password): :attr:`message` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.render())
        self.message = message


def broker_password(
    config: SyncConfig, environ: Environ = os.environ.get, keyring_get: KeyringGet | None = None
) -> str | None:
    """The password ``[sync]`` names (None: it names none); SetupError when it is not there."""
    if config.password_env is not None:
        password = environ(config.password_env)
        if password is None:
            raise SetupError(Message("sync.no_password", {"variable": config.password_env}))
    elif config.password_keyring is not None:
        reference = f"${{keyring:{config.password_keyring}}}"
        try:
            if keyring_get is not None:
                password = resolve(reference, keyring_get=keyring_get)
            else:
                password = resolve(reference)
        except SecretError as exc:
            raise SetupError(Message("sync.no_keyring_password", {"detail": str(exc)})) from None
    else:
        return None
    remember(password)  # masked wherever it would be logged
    return password


def new_client(
    client_id: str, *, v5: bool = True, clean_session: bool = True, **options: Any
) -> mqtt.Client:
    """A paho client (callback API 2) for MQTT 5 or 3.1.1; ``clean_session`` is 3.1.1's (MQTT 5
    asks for a clean start at connect)."""
    return mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else clean_session,
        **options,
    )


def secure(
    client: mqtt.Client,
    *,
    username: str | None = None,
    password: str | None = None,
    tls: bool = False,
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
) -> None:
    """Log in (when a user name or password is given) and verify the broker's certificate
    (when ``tls`` or a CA file is given), with a client certificate when one is given."""
    if username is not None or password is not None:
        client.username_pw_set(username or "", password)
    if tls or ca_file is not None:
        client.tls_set(
            ca_certs=ca_file,
            certfile=cert_file,
            keyfile=key_file,
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )


def sync_client(
    config: SyncConfig,
    client_id: str,
    *,
    clean_session: bool = True,
    environ: Environ = os.environ.get,
    keyring_get: KeyringGet | None = None,
    **options: Any,
) -> mqtt.Client:
    """A client set up from ``[sync]``: protocol, login and TLS (SetupError: no password)."""
    password = broker_password(config, environ, keyring_get)
    client = new_client(
        client_id, v5=config.protocol == "5", clean_session=clean_session, **options
    )
    tls = config.tls
    secure(
        client,
        username=config.username,
        password=password,
        tls=config.uses_tls,
        ca_file=tls.ca_file if tls else None,
        cert_file=tls.cert_file if tls else None,
        key_file=tls.key_file if tls else None,
    )
    return client


def refusal(code: ReasonCode, params: dict[str, Any]) -> Message:
    """The words for a CONNACK that refused the session (``params``: broker, retry_s, ...)."""
    if code.value in _CREDENTIALS:
        return Message("sync.refused.credentials", params)
    if code.value in _NOT_AUTHORISED:
        return Message("sync.refused.not_authorised", params)
    if code.value in _CLIENT_ID:
        return Message("sync.refused.client_id", params)
    return Message("sync.refused", {**params, "detail": str(code)})
