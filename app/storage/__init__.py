"""Persistence: the station database (SQLAlchemy 2; SQLite in WAL mode by default)."""

from app.storage.database import default_database_url, open_database
from app.storage.writer import StorageWriter

__all__ = ["StorageWriter", "default_database_url", "open_database"]
