"""The station's subscription to the orders its cluster lead publishes (``[cluster]
receive_orders = true``), over the broker and credentials of ``[sync]``.

A persistent session (QoS 1, MQTT 5 session expiry or 3.1.1 ``clean_session = false``): orders
published while the station is off wait at the broker. Each message is acknowledged only after
:class:`~app.orders.feed.OrderFeed` has committed it (paho's manual acknowledgement), so a
station killed meanwhile gets it again and drops it then as a duplicate if it had landed.
Faults (refused connection, unreachable broker, a missing password) are logged and retried by
paho's reconnect with backoff; they never raise into the station.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from app.config import StationInfo, SyncConfig
from app.orders.feed import OrderFeed, order_topic
from app.secrets import SecretError, remember, resolve

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 86_400


def broker_password(
    config: SyncConfig, environ: Callable[[str], str | None] = os.environ.get
) -> str | None:
    """The password ``[sync]`` names (environment variable or keyring); SecretError if unset."""
    if config.password_env is not None:
        password = environ(config.password_env)
        if password is None:
            raise SecretError(f"the environment variable {config.password_env} is not set")
    elif config.password_keyring is not None:
        password = resolve(f"${{keyring:{config.password_keyring}}}")
    else:
        return None
    remember(password)  # masked wherever it would be logged
    return password


class OrderSubscriber:
    """Subscribes to this station's order topic and hands each message to the feed."""

    def __init__(self, config: SyncConfig, info: StationInfo, feed: OrderFeed) -> None:
        self.config = config
        self.feed = feed
        self.topic = order_topic(config.topic_prefix, info.company, info.site, info.line,
                                 info.station)  # fmt: skip
        client_id = (config.client_id or f"shopfloor-{info.station}")[:57] + "-orders"
        self.v5 = config.protocol == "5"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            clean_session=None if self.v5 else False,
        )
        self.client.manual_ack_set(True)
        self.subscribed = threading.Event()
        self.error = ""
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, int(config.retry_max_s))

    def start(self) -> bool:
        """Connect in the background; False (and :attr:`error` says why) when it cannot try."""
        config = self.config
        try:
            password = broker_password(config)
        except SecretError as exc:
            self.error = str(exc)
            log.error("orders from the lead: %s", exc)
            return False
        if config.username is not None or password is not None:
            self.client.username_pw_set(config.username or "", password)
        if config.uses_tls:
            tls = config.tls
            self.client.tls_set(
                ca_certs=tls.ca_file if tls else None,
                certfile=tls.cert_file if tls else None,
                keyfile=tls.key_file if tls else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        properties = None
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect_async(
            config.host,
            config.port,
            keepalive=config.keepalive_s,
            clean_start=False if self.v5 else mqtt.MQTT_CLEAN_START_FIRST_ONLY,
            properties=properties,
        )
        self.client.loop_start()
        return True

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if code.is_failure:
            self.error = f"the broker refused the connection: {code}"
            log.error("orders from the lead: %s", self.error)
            return
        self.error = ""
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        mid = message.mid
        try:
            self.feed.handle(bytes(message.payload), lambda: client.ack(mid, 1))
        except Exception:  # a bug must not stop the network loop; the message comes again
            log.exception("orders from the lead: a message could not be handled")
