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
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from app.config import StationInfo, SyncConfig
from app.orders.feed import OrderFeed, order_topic
from app.sync.connection import SetupError, refusal, sync_client

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 86_400


class OrderSubscriber:
    """Subscribes to this station's order topic and hands each message to the feed."""

    def __init__(self, config: SyncConfig, info: StationInfo, feed: OrderFeed) -> None:
        self.config = config
        self.feed = feed
        self.topic = order_topic(config.topic_prefix, info.company, info.site, info.line,
                                 info.station)  # fmt: skip
        client_id = (config.client_id or f"shopfloor-{info.station}")[:57] + "-orders"
        self.v5 = config.protocol == "5"
        self.client_id = client_id
        self.client: mqtt.Client | None = None
        self.subscribed = threading.Event()
        self.error = ""

    def start(self) -> bool:
        """Connect in the background; False (and :attr:`error` says why) when it cannot try."""
        config = self.config
        try:
            client = sync_client(config, self.client_id, clean_session=False)
        except SetupError as exc:
            self.error = exc.message.render()
            log.error("orders from the lead: %s", self.error)
            return False
        client.manual_ack_set(True)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.reconnect_delay_set(1, int(config.retry_max_s))
        self.client = client
        properties = None
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
        client.connect_async(
            config.host,
            config.port,
            keepalive=config.keepalive_s,
            clean_start=False if self.v5 else mqtt.MQTT_CLEAN_START_FIRST_ONLY,
            properties=properties,
        )
        client.loop_start()
        return True

    def stop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if code.is_failure:
            params = {"broker": f"{self.config.host}:{self.config.port}", "retry_s": 1,
                      "client_id": self.client_id}  # fmt: skip
            self.error = refusal(code, params).render()
            log.error("orders from the lead: %s", self.error)
            return
        self.error = ""
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, *_: Any) -> None:
        log.info("orders from the lead: subscribed to %s", self.topic)
        self.subscribed.set()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        mid = message.mid
        try:
            self.feed.handle(bytes(message.payload), lambda: client.ack(mid, 1))
        except Exception:  # a bug must not stop the network loop; the message comes again
            log.exception("orders from the lead: a message could not be handled")
