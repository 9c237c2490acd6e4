#!/usr/bin/env bash
# Build ShopFloor Monitor as a one-folder application: dist/shopfloor/shopfloor (Linux).
# The translations are compiled first (.ts -> .qm), then PyInstaller runs installer/shopfloor.spec.
#   installer/build.sh            -> dist/shopfloor/
#   DIST_DIR=/x WORK_DIR=/y installer/build.sh
# Windows: see installer/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
DIST_DIR=${DIST_DIR:-dist}
WORK_DIR=${WORK_DIR:-build}
BIN=$(dirname "$PYTHON")

"$PYTHON" -c "import PyInstaller" 2>/dev/null || "$PYTHON" -m pip install -q "pyinstaller>=6.10,<7"

for ts in resources/translations/*.ts; do
  "$BIN/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
done

"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST_DIR" --workpath "$WORK_DIR" installer/shopfloor.spec
echo "built $DIST_DIR/shopfloor ($(du -sh "$DIST_DIR/shopfloor" | cut -f1)):"
"$DIST_DIR/shopfloor/shopfloor" --version
