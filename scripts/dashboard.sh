#!/usr/bin/env bash
# The live dashboard (examples/dashboard): set up, start a private containerd (the lab, with the
# busybox image in namespace "default"), serve the dashboard on http://127.0.0.1:8080 (env PORT,
# HOST) until Ctrl-C, then take the lab down. RXC_SKIP_SETUP=1 skips setup (already built).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${RXC_SKIP_SETUP:-}" ] || bash scripts/setup.sh
. scripts/lib.sh
lab_up
echo "dashboard: make a container from outside and watch it appear:" >&2
echo "  ctr -a $CONTAINERD_ADDRESS -n default containers create docker.io/library/busybox:latest hello true" >&2
node build/examples/dashboard/main.js
