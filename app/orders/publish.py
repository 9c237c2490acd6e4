"""The lead's side of the order feed: publish work orders to one partner station's order
topic, QoS 1, and wait until the broker has taken each (PUBACK). ``shopfloor orders publish``."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class PublishError(RuntimeError):
    """The orders could not be handed to the broker (the sentence says why)."""


def publish_orders(
    host: str,
    port: int,
    topic: str,
    bodies: Sequence[dict[str, Any]],
    *,
    client_id: str = "shopfloor-lead-orders",
    username: str | None = None,
    password: str | None = None,
    ca_file: str | None = None,
    tls: bool = False,
    timeout_s: float = 30.0,
) -> int:
    """Publish each body as one message; returns how many the broker acknowledged."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if username is not None or password is not None:
        client.username_pw_set(username or "", password)
    if tls or ca_file:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    connected = threading.Event()
    refused: list[str] = []

    def on_connect(c: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if code.is_failure:
            refused.append(str(code))
        connected.set()

    client.on_connect = on_connect
    try:
        client.connect(host, port)
    except (OSError, ValueError) as exc:
        raise PublishError(f"cannot reach the broker {host}:{port}: {exc}") from None
    client.loop_start()
    try:
        if not connected.wait(timeout_s):
            raise PublishError(f"the broker {host}:{port} did not answer")
        if refused:
            raise PublishError(f"the broker refused the connection: {refused[0]}")
        infos = [
            client.publish(topic, json.dumps(body, ensure_ascii=False), qos=1) for body in bodies
        ]
        done = 0
        for info in infos:
            try:
                info.wait_for_publish(timeout_s)
            except (RuntimeError, ValueError) as exc:
                raise PublishError(f"{done} of {len(infos)} orders published: {exc}") from None
            if not info.is_published():
                raise PublishError(f"{done} of {len(infos)} orders published before the timeout")
            done += 1
        return done
    finally:
        client.disconnect()
        client.loop_stop()
