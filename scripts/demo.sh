#!/usr/bin/env bash
# Install netctl in .venv and run its main job on the embedded sample network.
cd "$(dirname "$0")/.."
. scripts/lib.sh
# Chromium and the CJK fonts: `netctl report --format pdf` prints the Chinese report with them
need_apt python3-venv python3-pip chromium fonts-noto-cjk
make_venv ""
exec .venv/bin/netctl demo "$@"
