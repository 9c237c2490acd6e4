"""The frozen application's entry point: the same as the ``shopfloor`` console script."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
