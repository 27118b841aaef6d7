#!/usr/bin/env bash
# Install netctl in .venv and run its main job on the embedded sample network.
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_apt python3-venv python3-pip
make_venv ""
exec .venv/bin/netctl demo "$@"
