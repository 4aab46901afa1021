#!/usr/bin/env bash
# From a fresh machine: set up (apt, npm ci, build), start a private containerd (the lab) in a
# temp dir, run the whole test suite with node's test runner, and take the lab down even when
# tests fail. Extra arguments go to `node --test` (e.g. a file list).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/lib.sh
lab_up
echo "test-all: lab at $CONTAINERD_ADDRESS" >&2
if [ $# -gt 0 ]; then files=("$@"); else files=(build/test/unit build/test/adapter build/test/integration build/test/restart); fi
# One file at a time: the restart tests stop and start the shared lab daemon.
node --test --test-concurrency=1 --test-timeout=300000 "${files[@]}"
