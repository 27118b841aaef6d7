#!/usr/bin/env bash
# Install everything the tests need (Debian packages listed in .ci/apt-packages, Python
# packages from pyproject's [test] extra), then run lint, types and the whole test suite.
# Every step runs; the script fails if any of them failed.
cd "$(dirname "$0")/.."
. scripts/lib.sh
mapfile -t apt_pkgs < <(grep -v '^\s*#' .ci/apt-packages | sed 's/\s*#.*$//' | sed '/^\s*$/d')
need_apt python3-venv python3-pip "${apt_pkgs[@]}"
make_venv "[test]"
export PATH="$PWD/.venv/bin:$PATH"  # console scripts of test tools (snmpsim-command-responder)
status=0
echo "== ruff"; .venv/bin/ruff check . || status=1
echo "== mypy"; .venv/bin/mypy || status=1
echo "== pytest"; .venv/bin/pytest -q "$@" || status=1
exit "$status"
