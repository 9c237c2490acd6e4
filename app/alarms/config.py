"""Alarm definitions as they appear under a tag in the station config.

Placeholder: the alarm-management work replaces this with the full ISA-18.2 definitions.
"""

from pydantic import BaseModel, ConfigDict


class TagAlarms(BaseModel):
    """Alarm definitions of one tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)
