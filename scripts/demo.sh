#!/usr/bin/env bash
# Install netctl in .venv and run its main job on an emulated network on loopback.
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_apt python3-venv python3-pip
make_venv ""
start=$(date +%s)
.venv/bin/netctl demo "$@"
status=$?
echo "scripts/demo.sh: $(( $(date +%s) - start )) s in all (exit $status)"
exit $status
