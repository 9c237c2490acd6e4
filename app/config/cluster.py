"""The ``[cluster]`` table: this station's part in the cluster beyond publishing.

```toml
[cluster]
lead_db = "postgresql+psycopg://viewer@cluster-db/cluster"   # the receiver's database:
stale_after_s = 180      # this station is the lead and shows its partners (Cluster tab)
refresh_s = 1            # how often the Cluster tab reads the database (while shown)
receive_orders = true    # take the work orders the lead publishes to this station ([sync])
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.config.base import StrictModel

if TYPE_CHECKING:
    from app.config.schema import StationConfig


class ClusterConfig(StrictModel):
    lead_db: str | None = Field(default=None, min_length=1)
    """SQLAlchemy URL (or SQLite file) of the cluster receiver's database; set: a lead."""
    stale_after_s: float = Field(default=180.0, ge=1.0, le=7 * 86_400.0)
    """A partner not heard from for this long is shown as stale."""
    refresh_s: float = Field(default=1.0, ge=0.2, le=3600.0)
    """How often the cluster view reads the database again."""
    receive_orders: bool = False
    """Subscribe to this station's order topic and take the orders the lead publishes."""

    @field_validator("lead_db")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or "://" not in value:
            return value  # a file path
        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(
                f"'{value}' is not a database URL (e.g. sqlite:////var/lib/cluster.db)"
            ) from None
        return value


def cluster_problems(config: StationConfig) -> list[str]:
    """Orders come over the sync connection: receiving them needs ``[sync]``."""
    if config.cluster.receive_orders and (config.sync is None or config.sync.broker is None):
        missing = "[sync]" if config.sync is None else "sync.broker"
        return [
            f"cluster.receive_orders: orders come through the broker of [sync]; {missing} is "
            "missing"
        ]
    return []
