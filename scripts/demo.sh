#!/usr/bin/env bash
# From a fresh machine: set up, start a private containerd, run examples/demo.ts through the
# library (a real container), take the lab down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export RXC_LAB_DIR=${RXC_LAB_DIR:-$(mktemp -d /tmp/rxc-lab.XXXXXX)}
trap 'bash scripts/lab down' EXIT
CONTAINERD_ADDRESS=$(bash scripts/lab up)
export CONTAINERD_ADDRESS
node build/examples/demo.js
