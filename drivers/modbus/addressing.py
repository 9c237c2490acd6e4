"""How a Modbus tag is addressed: the keys a station config gives a tag of a Modbus device.

The station schema (:mod:`app.config`) knows nothing of registers; this driver owns its tag
keys, validates them with key-path errors (``devices[1].tags[3].address: ...``) and turns each
tag into a :class:`ModbusPoint`, the flat record the read planner and decoder work with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.config import LocatedError, StrictModel, TagConfig
from drivers.modbus.blocks import BIT_TABLES

Table = Literal["coil", "discrete", "input", "holding"]
ByteOrder = Literal["ABCD", "CDAB", "BADC", "DCBA", "EFGHABCD"]
#: The word order that swaps the 32-bit halves of a 64-bit value (64-bit types only).
HALF_SWAPPED = "EFGHABCD"

#: Registers each data type occupies (strings take ``length`` registers).
REGISTER_COUNT: dict[str, int] = {
    "bool": 1,
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "int64": 4,
    "uint64": 4,
    "float64": 4,
}


class ModbusTag(StrictModel):
    """A Modbus tag's addressing keys, as written under ``[[devices.tags]]``.

    Validated with the tag's ``type`` in the validation context (``{"data_type": ...}``).
    """

    table: Table = "holding"
    address: int | None = None
    """Protocol address, 0-based (required: None only to say so in words)."""
    bit: int | None = None
    length: int | None = Field(default=None, ge=1, le=125)
    """Registers of a string tag."""
    byte_order: ByteOrder = "ABCD"

    @field_validator("address")
    @classmethod
    def _address_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 65535:
            raise ValueError(f"register {value} is outside 0..65535")
        return value

    @field_validator("bit")
    @classmethod
    def _bit_in_a_register(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 15:
            raise ValueError(f"bit {value} is outside 0..15")
        return value

    @model_validator(mode="after")
    def _fits_the_type(self, info: ValidationInfo) -> ModbusTag:
        data_type = (info.context or {}).get("data_type", "float32")
        if self.address is None:
            raise LocatedError(
                ("address",), "a Modbus tag needs 'address' (0-based register or bit number)"
            )
        if data_type == "string" and self.length is None:
            raise LocatedError(("length",), "a string tag needs 'length' (registers)")
        if self.bit is not None and self.table in BIT_TABLES:
            raise LocatedError(
                ("bit",), "'bit' selects a bit of a register; coils and discrete inputs are bits"
            )
        if self.bit is not None and data_type != "bool":
            raise LocatedError(
                ("bit",), f"'bit' selects one bit: type must be 'bool', not {data_type}"
            )
        if self.byte_order == HALF_SWAPPED and data_type not in ("int64", "uint64", "float64"):
            raise LocatedError(
                ("byte_order",),
                f"{HALF_SWAPPED} swaps the halves of 64-bit values: "
                f"type must be int64, uint64 or float64, not {data_type}",
            )
        if self.table in BIT_TABLES and data_type != "bool":
            raise LocatedError(("type",), f"table '{self.table}' holds bits: type must be 'bool'")
        if self.table not in BIT_TABLES:
            count = (self.length or 1) if data_type == "string" else REGISTER_COUNT[data_type]
            if self.address + count - 1 > 65535:
                key = "length" if data_type == "string" else "address"
                raise LocatedError(
                    (key,), f"{data_type} at {self.address} runs past register 65535"
                )
        return self


@dataclass(frozen=True, slots=True)
class ModbusPoint:
    """One tag as the Modbus driver reads it: its type and where it lives."""

    name: str
    data_type: str
    table: str
    address: int
    bit: int | None
    length: int | None
    byte_order: str

    @property
    def register_count(self) -> int:
        """Registers this tag occupies in a register table."""
        if self.data_type == "string":
            return self.length or 1
        return REGISTER_COUNT[self.data_type]

    @classmethod
    def of(cls, tag: TagConfig, address: ModbusTag) -> ModbusPoint:
        """Join a tag's common keys with its validated Modbus addressing."""
        return cls(
            name=tag.name,
            data_type=tag.data_type,
            table=address.table,
            address=address.address or 0,  # never None once validated
            bit=address.bit,
            length=address.length,
            byte_order=address.byte_order,
        )
