# Shared by scripts/demo.sh and scripts/test.sh: Debian packages and the virtual environment.
# shellcheck shell=bash
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages given (only those missing; apt-get update once).
need_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Create .venv (once) and install netctl into it with the given extras, e.g. "[test]".
make_venv() {
  local extras="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    echo "creating .venv"
    python3 -m venv .venv
  fi
  echo "upgrading pip in .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  echo "installing netctl${extras} and its dependencies into .venv (1-3 minutes the first time)"
  # one line per package fetched, so a slow network shows progress instead of silence
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -e ".${extras}" \
    | { grep --line-buffered -E '^(Collecting|Successfully installed)' || true; } \
    | sed -u -e 's/^Collecting /  fetching /' -e 's/^Successfully installed .*/  installed/'
  echo "netctl installed: .venv/bin/netctl (or '. .venv/bin/activate' to type 'netctl')"
}
