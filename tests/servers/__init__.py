"""Small Modbus and serial servers for tests and benchmarks (real sockets and ptys, no mocks)."""
