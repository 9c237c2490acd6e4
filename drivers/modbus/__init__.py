"""Modbus drivers: TCP and RTU (pymodbus), with shared block planning and a numpy codec."""
