#!/usr/bin/env bash
# From a fresh machine: set up, start a private containerd, run examples/demo.ts through the
# library (a real container), take the lab down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/lib.sh
lab_up
node build/examples/demo.js
