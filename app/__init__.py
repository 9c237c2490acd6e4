"""ShopFloor Monitor core: configuration, engine, alarms, detectors, storage, sync and CLI.

Nothing in this package imports Qt; the import-linter contracts in ``pyproject.toml`` and
``tests/test_boundaries.py`` keep it so.
"""

__version__ = "0.1.0"
