"""The lead's side of the order feed: publish work orders to one partner station's order
topic, QoS 1, and wait until the broker has taken each (PUBACK). ``shopfloor orders publish``."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from app.sync.connection import new_client, secure


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
    client = new_client(client_id)
    secure(client, username=username, password=password, tls=tls, ca_file=ca_file)
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
