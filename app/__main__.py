"""``python -m app`` is the same as the ``shopfloor`` console script."""

from app.cli import main

raise SystemExit(main())
