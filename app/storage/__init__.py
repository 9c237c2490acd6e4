"""Persistence: the station database (SQLAlchemy 2; SQLite in WAL mode by default).

Every write goes through :class:`DatabaseGateway` (one writer thread for every table); every
connection comes from :func:`open_database`.
"""

from app.storage.database import (
    Database,
    check_database_url,
    default_database_url,
    open_database,
)
from app.storage.gateway import DatabaseGateway, GatewayStatus, WriteKind
from app.storage.writer import StorageWriter

__all__ = [
    "Database",
    "DatabaseGateway",
    "GatewayStatus",
    "StorageWriter",
    "WriteKind",
    "check_database_url",
    "default_database_url",
    "open_database",
]
