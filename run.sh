#!/usr/bin/env bash
# One command to set up and start ShopFloor Monitor on a fresh Debian machine.
#   ./run.sh demo      set up, then open the window on the simulated demo line
#   ./run.sh test      set up, then run the whole test suite (what CI runs)
#   ./run.sh setup     only set up (Debian packages, .venv, the project with its test extras)
# Set-up steps run only when needed: apt for missing packages, pip when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"

DEBIAN_PACKAGES=(
  # Qt's xcb platform plugin and its runtime libraries (for a real window and xvfb-run)
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
  libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1 fonts-noto-cjk
  # real parts the tests start themselves
  xvfb xauth socat mosquitto gcc libc6-dev libmodbus-dev pkg-config
  postgresql openssl
  python3 python3-venv
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup_debian() {
  command -v dpkg-query >/dev/null || { echo "not a Debian system: install the equivalents of: ${DEBIAN_PACKAGES[*]}" >&2; return 0; }
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# pip runs only when something it installs from changed: the stamp holds a hash of
# pyproject.toml and the Python version (about 10 s and a screen of warnings saved per launch).
STAMP=.venv/.shopfloor-installed

install_hash() {
  { cat pyproject.toml; .venv/bin/python --version; } | sha256sum | cut -d' ' -f1
}

setup_python() {
  local python=${PYTHON:-python3}
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  if [ -x .venv/bin/shopfloor ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(install_hash)" ]; then
    return 0
  fi
  echo "installing the project into .venv (pyproject.toml changed or first run)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  install_hash > "$STAMP"
}

setup() {
  setup_debian
  setup_python
}

case "${1:-}" in
  setup) setup ;;
  demo)
    setup
    shift
    exec .venv/bin/shopfloor demo "$@"
    ;;
  test)
    setup
    shift
    .venv/bin/ruff check .
    .venv/bin/lint-imports
    .venv/bin/mypy  # the core and the drivers ([tool.mypy] in pyproject.toml)
    QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    sed -n '2,6p' "$0" >&2
    exit 2
    ;;
esac
