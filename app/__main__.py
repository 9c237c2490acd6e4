"""``python -m app`` is the same as the ``shopfloor`` console script."""

import gc

# Importing the commands allocates a great deal and frees almost nothing: the cyclic collector
# would scan the growing heap again and again (about 0.1 s of the start). main() turns it on.
gc.disable()

from app.cli import main  # noqa: E402

raise SystemExit(main())
