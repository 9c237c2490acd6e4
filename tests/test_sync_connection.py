"""The one paho set-up (app/sync/connection.py) as the order subscription uses it, against a real
mosquitto: TLS with a test CA and a client certificate the broker requires (the lead's
client made by the same helper), a password from the
environment; a wrong password and an unset variable said in the same words as the publisher's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import StationInfo, SyncConfig
from app.orders.subscriber import OrderSubscriber
from app.sync.connection import SetupError, sync_client
from tests.mqtt_support import Broker, make_ca
from tests.waiting import wait_until

INFO = StationInfo(company="acme", site="busan", line="L1", station="WS-01")


class Landing:
    """Takes each order message and acknowledges it (what OrderFeed does after its commit)."""

    def __init__(self) -> None:
        self.payloads: list[bytes] = []
        self.landed = threading.Event()

    def handle(self, payload: bytes, ack: Callable[[], None]) -> None:
        self.payloads.append(payload)
        ack()
        self.landed.set()


def test_subscriber_over_tls_with_a_client_certificate_and_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_ca(tmp_path / "pki")
    broker = Broker(
        tmp_path / "broker",
        tls=ca,
        passwords={"station": "s3cret"},
        extra=("require_certificate true",),
    ).start()
    monkeypatch.setenv("ORDERS_PW", "s3cret")
    tls = {"ca_file": str(ca["ca"]), "cert_file": str(ca["client_cert"]),
           "key_file": str(ca["client_key"])}  # fmt: skip
    config = SyncConfig(
        broker=f"mqtts://127.0.0.1:{broker.port}",
        username="station",
        password_env="ORDERS_PW",
        tls=tls,
        retry_max_s=1.0,
    )
    landing = Landing()
    subscriber = OrderSubscriber(config, INFO, landing)  # type: ignore[arg-type]
    lead = sync_client(config, "test-lead")
    try:
        assert subscriber.start(), subscriber.error
        wait_until(subscriber.subscribed.is_set, 15, "the subscription over TLS")
        lead.connect("127.0.0.1", broker.port)
        lead.loop_start()
        lead.publish(subscriber.topic, b'{"order":"WO-1"}', qos=1).wait_for_publish(10)
        assert landing.landed.wait(15), "the order did not arrive"
        assert landing.payloads == [b'{"order":"WO-1"}']
    finally:
        lead.loop_stop()
        subscriber.stop()
        broker.stop()


def test_subscriber_says_a_wrong_password_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = Broker(tmp_path / "broker", passwords={"station": "right"}).start()
    monkeypatch.setenv("ORDERS_PW", "wrong")
    for protocol in ("5", "3.1.1"):
        config = SyncConfig(broker=broker.url, username="station", password_env="ORDERS_PW",
                            protocol=protocol, retry_max_s=1.0)  # fmt: skip
        subscriber = OrderSubscriber(config, INFO, Landing())  # type: ignore[arg-type]
        try:
            assert subscriber.start()
            wait_until(lambda: subscriber.error != "", 10, "the refusal")  # noqa: B023
            # mosquitto answers a wrong password with "not authorised" (sync.refused.*)
            assert "password" in subscriber.error and broker.url[7:] in subscriber.error
            assert not subscriber.subscribed.is_set()
        finally:
            subscriber.stop()
    broker.stop()


def test_an_unset_password_variable_is_named_and_nothing_connects(tmp_path: Path) -> None:
    config = SyncConfig(broker="mqtt://127.0.0.1:1", password_env="NOT_SET_ANYWHERE_42")
    with pytest.raises(SetupError) as raised:
        sync_client(config, "x", environ={}.get)
    assert raised.value.message.id == "sync.no_password"
    subscriber = OrderSubscriber(config, INFO, Landing())  # type: ignore[arg-type]
    assert not subscriber.start()
    assert "NOT_SET_ANYWHERE_42" in subscriber.error
    subscriber.stop()  # never started: nothing to stop, no error
