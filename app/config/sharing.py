"""The ``[sharing]`` table: what each partner of the cluster may see (default: nothing).

Modelled on Catena-X usage policies: a partner is granted summary kinds, and for tag summaries
the tags (``device.tag`` patterns) and the coarsest resolution; a kind may be cut to the named
fields. Anything not granted is never published for that partner.

```toml
[sharing]
version = 3            # the policy's version, carried in every shared record's provenance

[[sharing.partners]]
name = "hanbit-motors" # the lead company
kinds = ["summary", "status", "order_progress"]
tags = ["cnc.spindle_*", "leaktest.decay"]
resolution_s = 3600    # tag summaries at most hourly
fields = { summary = ["mean", "min", "max", "count", "good_fraction"] }
```
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from pydantic import Field, field_validator, model_validator

from app.config.base import Identifier, StrictModel, repeated
from app.config.errors import LocatedError

#: The summary kinds a policy can grant (what the station publishes).
SHAREABLE_KINDS = (
    "summary",
    "status",
    "alarm",
    "defect",
    "machine",
    "oee",
    "order_progress",
    "shift_report",
)
#: Fields every shared record keeps, whatever the policy (they say what the record is about).
IDENTITY_FIELDS = frozenset({"device", "tag", "unit", "start", "end"})


class PartnerPolicy(StrictModel):
    """What one partner is granted."""

    name: Identifier
    kinds: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    """``device.tag`` patterns (``*`` and ``?``) of the tag summaries granted; none: no tags."""
    resolution_s: float = Field(default=60.0, ge=1.0, le=86_400.0)
    """Tag summaries are shared at this interval or coarser (re-aggregated)."""
    fields: dict[str, list[str]] = Field(default_factory=dict)
    """Per kind, the only fields shared (beside the identity fields); unlisted kind: all."""

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        for kind in kinds:
            if kind not in SHAREABLE_KINDS:
                raise ValueError(f"unknown kind '{kind}' (kinds: {', '.join(SHAREABLE_KINDS)})")
        return kinds

    @model_validator(mode="after")
    def _fields_of_granted_kinds(self) -> PartnerPolicy:
        for kind in self.fields:
            if kind not in self.kinds:
                raise LocatedError(("fields", kind), f"fields for '{kind}', which is not granted")
        return self

    def grants_tag(self, full_name: str) -> bool:
        return any(fnmatchcase(full_name, pattern) for pattern in self.tags)


class SharingConfig(StrictModel):
    version: int = Field(default=1, ge=1)
    partners: list[PartnerPolicy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_partners(self) -> SharingConfig:
        for index, name in repeated(p.name for p in self.partners):
            raise LocatedError(("partners", index, "name"), f"partner '{name}' is listed twice")
        return self


def sharing_problems(sharing: SharingConfig, tag_names: list[str]) -> list[str]:
    """Tag patterns that match no tag of the station (a typo would silently share nothing)."""
    problems = []
    for p_index, partner in enumerate(sharing.partners):
        for t_index, pattern in enumerate(partner.tags):
            if not any(fnmatchcase(name, pattern) for name in tag_names):
                problems.append(
                    f"sharing.partners[{p_index}].tags[{t_index}]: '{pattern}' matches no tag "
                    "of this station (tags are named device.tag)"
                )
    return problems
