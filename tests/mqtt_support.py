"""A real mosquitto broker for the sync tests, started on a free loopback port, and a test CA.

The broker persists its state on a clean stop (SIGTERM), so a persistent subscriber's queued
messages survive a broker restart, as they do with a real deployment's broker.
"""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import free_tcp_port
from tests.waiting import read_until, wait_until

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Broker:
    """``mosquitto`` as a child process; :meth:`stop` and :meth:`start` keep the port."""

    def __init__(
        self,
        directory: Path,
        *,
        tls: dict[str, Path] | None = None,
        passwords: dict[str, str] | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_tcp_port()
        self.proc: subprocess.Popen[str] | None = None
        lines = [
            f"listener {self.port} 127.0.0.1",
            # Started as root it would drop to the user 'mosquitto', who cannot read the
            # test's private directory; as anyone else this line changes nothing.
            f"user {getpass.getuser()}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "persistence true",
            f"persistence_location {self.dir}/",
            "max_queued_messages 0",
            "max_inflight_messages 0",
        ]
        if passwords is not None:
            path = self.dir / "passwords"
            path.write_text("")
            for user, password in passwords.items():
                subprocess.run(["mosquitto_passwd", "-b", str(path), user, password], check=True)
            lines += ["allow_anonymous false", f"password_file {path}"]
        else:
            lines.append("allow_anonymous true")
        if tls is not None:
            lines += [
                f"cafile {tls['ca']}",
                f"certfile {tls['cert']}",
                f"keyfile {tls['key']}",
            ]
        lines += extra
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Broker:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        read_until(self.proc.stdout, " running", timeout=15)  # its readiness line
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class Collector:
    """A persistent QoS 1 subscriber that keeps every message it receives, in order."""

    def __init__(self, broker: Broker, topic: str, client_id: str = "test-collector") -> None:
        self.messages: list[tuple[str, dict[str, Any], bool]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.topic = topic
        self.subscribed = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect(
            "127.0.0.1",
            broker.port,
            clean_start=False,
            properties=_session_forever(),
        )
        self.client.loop_start()
        wait_until(self.subscribed.is_set, 10, "the collector's subscription")

    def _on_connect(self, client: Any, userdata: Any, flags: Any, code: Any, props: Any) -> None:
        if not code.is_failure:
            client.subscribe(self.topic, qos=1)

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        payload = json.loads(message.payload)
        with self._lock:
            self.messages.append((message.topic, payload, message.retain))

    def snapshot(self) -> list[tuple[str, dict[str, Any], bool]]:
        with self._lock:
            return list(self.messages)

    def data(self) -> list[dict[str, Any]]:
        """Outbox messages (not the state topic's birth and will)."""
        return [p for _, p, _ in self.snapshot() if "seq" in p]

    def online(self) -> list[bool]:
        """The station's birth and will messages, in order (True: online)."""
        return [p["online"] for _, p, _ in self.snapshot() if "online" in p]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _session_forever() -> Any:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    return props


def make_ca(directory: Path, name: str = "ca") -> dict[str, Path]:
    """A test CA, a server certificate for 127.0.0.1 / localhost and a client certificate,
    both signed by it (openssl)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = directory / f"{name}.key", directory / f"{name}.pem"
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        f"/CN=Test {name}",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        str(key),
        "-out",
        str(csr),
    )
    run(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        str(ext),
        "-out",
        str(cert),
    )
    client_key, client_csr = directory / "client.key", directory / "client.csr"
    client_cert = directory / "client.pem"
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=WS-01",
        "-keyout",
        str(client_key),
        "-out",
        str(client_csr),
    )
    run(
        "x509",
        "-req",
        "-in",
        str(client_csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        str(client_cert),
    )
    return {
        "ca": ca,
        "cert": cert,
        "key": key,
        "client_cert": client_cert,
        "client_key": client_key,
    }
