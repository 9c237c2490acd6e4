"""The plant simulator's Modbus TCP server, read with a plain pymodbus client over loopback."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusIOException

from drivers.simulator import Fault, PlantSimulator, ServeError
from drivers.simulator.registers import DEVICE_IDS, REGISTER_MAP

FLOAT32 = ModbusTcpClient.DATATYPE.FLOAT32


@pytest.fixture(scope="module")
def sim() -> Iterator[PlantSimulator]:
    silent_washer = [Fault(start_s=0, machine="washer", kind="silent", duration_s=3600)]
    simulator = PlantSimulator(seed=3, scenario=silent_washer, speed=1.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def client(sim: PlantSimulator) -> Iterator[ModbusTcpClient]:
    handle = sim.serve_modbus_tcp("127.0.0.1", 0)
    assert handle.port > 0
    tcp = ModbusTcpClient("127.0.0.1", port=handle.port, timeout=0.5, retries=0)
    assert tcp.connect()
    yield tcp
    tcp.close()


def read_float(client: ModbusTcpClient, device_id: int, address: int) -> float:
    response = client.read_holding_registers(address, count=2, device_id=device_id)
    assert not response.isError(), response
    return float(client.convert_from_registers(response.registers, data_type=FLOAT32))


@pytest.mark.parametrize(
    ("machine", "name", "tolerance"),
    [
        ("diecast", "melt_temp", 2.0),
        ("diecast", "oil_temp", 0.5),
        ("cnc", "spindle_temp", 1.0),
        ("cnc", "coolant_temp", 0.5),
        ("leaktest", "part_temp", 1.0),
    ],
)
def test_floats_match_the_model(
    sim: PlantSimulator, client: ModbusTcpClient, machine: str, name: str, tolerance: float
) -> None:
    point = next(p for p in REGISTER_MAP[machine] if p.name == name)
    before = sim.value(machine, name)
    served = read_float(client, DEVICE_IDS[machine], point.address)
    after = sim.value(machine, name)
    assert min(before, after) - tolerance <= served <= max(before, after) + tolerance


def test_header_state_counters_and_part_type(sim: PlantSimulator, client: ModbusTcpClient) -> None:
    response = client.read_holding_registers(0, count=13, device_id=1)
    assert not response.isError()
    regs = response.registers
    assert regs[0] == int(sim.value("diecast", "state")) == 1
    assert regs[1] == 0  # no fault
    cycles = client.convert_from_registers(regs[2:4], data_type=client.DATATYPE.UINT32)
    assert cycles == int(sim.value("diecast", "cycle_count"))
    text = client.convert_from_registers(regs[9:13], data_type=client.DATATYPE.STRING)
    assert text.rstrip("\x00") == "EVH-220"


def test_int16_input_register_is_negative_and_scaled(
    sim: PlantSimulator, client: ModbusTcpClient
) -> None:
    response = client.read_input_registers(0, count=1, device_id=1)
    assert not response.isError()
    raw = client.convert_from_registers(response.registers, data_type=client.DATATYPE.INT16)
    assert raw * 0.1 == pytest.approx(sim.value("diecast", "vacuum"), abs=3.0)
    assert raw < -500  # the die vacuum is well below atmosphere


def test_bits_follow_the_state(client: ModbusTcpClient) -> None:
    coils = client.read_coils(0, count=4, device_id=2)
    inputs = client.read_discrete_inputs(0, count=4, device_id=2)
    assert coils.bits[:4] == [True, False, False, False]  # running: green only
    assert inputs.bits[:3] == [True, True, True]  # door closed, e-stop ok, auto


def test_silent_machine_times_out_while_the_others_answer(client: ModbusTcpClient) -> None:
    start = time.monotonic()
    with pytest.raises(ModbusIOException):
        client.read_holding_registers(0, count=2, device_id=4)
    assert time.monotonic() - start >= 0.4
    for device_id in (1, 2, 3):
        response = client.read_holding_registers(0, count=2, device_id=device_id)
        assert not response.isError()
        assert response.registers[0] == 1


def test_unknown_device_and_bad_address(client: ModbusTcpClient) -> None:
    with pytest.raises(ModbusIOException):
        client.read_holding_registers(0, count=1, device_id=9)
    response = client.read_holding_registers(5000, count=2, device_id=1)
    assert response.isError() and response.exception_code == 2  # illegal data address
    response = client.write_register(0, 3, device_id=1)
    assert response.isError()  # the map is read-only


def test_port_in_use_is_a_clear_error(sim: PlantSimulator) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"TCP port {port} on 127.0.0.1 is already in use"):
            sim.serve_modbus_tcp("127.0.0.1", port)


def test_unresolvable_host_is_a_clear_error(sim: PlantSimulator) -> None:
    with pytest.raises(ServeError, match="cannot resolve host"):
        sim.serve_modbus_tcp("no-such-host.invalid", 0)
