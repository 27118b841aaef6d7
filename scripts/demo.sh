#!/usr/bin/env bash
# Install netctl in .venv and run its main job on an emulated network on loopback.
cd "$(dirname "$0")/.."
. scripts/lib.sh
# Chromium and the CJK fonts: `netctl report --format pdf` prints the Chinese report with them
need_apt python3-venv python3-pip chromium fonts-noto-cjk
make_venv ""
installed=$SECONDS
status=0
.venv/bin/netctl demo "$@" || status=$?
echo "scripts/demo.sh: $SECONDS s in all ($installed s installing, $((SECONDS - installed)) s demo; exit $status)"
exit $status
