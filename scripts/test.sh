#!/usr/bin/env bash
# Install everything the tests need (Debian packages listed in .ci/apt-packages, Python
# packages from pyproject's [test] extra), then run lint, types and the whole test suite.
cd "$(dirname "$0")/.."
. scripts/lib.sh
mapfile -t apt_pkgs < <(grep -v '^\s*#' .ci/apt-packages | sed '/^\s*$/d')
need_apt python3-venv python3-pip "${apt_pkgs[@]}"
make_venv "[test]"
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; exec .venv/bin/pytest -q "$@"
