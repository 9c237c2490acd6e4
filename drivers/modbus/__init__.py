"""Modbus drivers: TCP and RTU (pymodbus), with shared block planning and a numpy codec."""

import logging

# pymodbus logs every unanswered request at ERROR; the device worker already reports each
# failure once with its kind. Leave the level alone if the user set one on purpose.
_pymodbus_log = logging.getLogger("pymodbus")
if _pymodbus_log.level == logging.NOTSET:
    _pymodbus_log.setLevel(logging.CRITICAL)
