"""The frozen application's entry point: the same as the ``shopfloor`` console script."""

import gc
import sys

# As in app/__main__.py: no cyclic collection while the commands are imported; main() turns
# it on again.
gc.disable()

from app.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
