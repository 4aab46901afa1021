#!/usr/bin/env bash
# Benchmarks: set up, start a private lab, run bench/*.ts (each prints a table and a JSON line).
#   bash scripts/bench.sh            rxcontainerd's benchmarks
#   bash scripts/bench.sh --go       also build and run containerd's Go client on the same
#                                    scenarios (../shared/bench/go-baseline; golang-go from apt)
# RXC_BENCH_BYTES / RXC_BENCH_REP tune the stdout benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/lib.sh
lab_up
node build/bench/lifecycle.js
node build/bench/adapter-overhead.js
node --expose-gc build/bench/waits.js
node build/bench/stdout.js
node build/bench/push.js
node build/bench/transfer.js # client-side vs Transfer pull; skips itself without Transfer (1.6)
if [ "${1:-}" = "--go" ]; then
  base=${RXC_GO_BASELINE:-$(cd .. && pwd)/shared/bench/go-baseline}
  ensure_debs golang-go golang-github-containerd-containerd-dev
  B=$(mktemp -d /tmp/rxc-gobase.XXXXXX)
  cp -r "$base" "$B/src"
  (cd "$B/src" && GO111MODULE=off GOPATH=/usr/share/gocode:$B/gopath GOCACHE=$B/cache GOFLAGS= go build -o "$B/go-baseline" .)
  # Inside the lab daemon's mount namespace: the Go client's FIFOs go to /run/containerd/fifo,
  # which only there is the directory the lab's shims see.
  nsenter --mount --target "$(cat "$RXC_LAB_DIR/containerd.pid")" "$B/go-baseline" -address "$CONTAINERD_ADDRESS" \
    -namespace gobench -import "$RXC_LAB_DIR/image/busybox-oci.tar" -only lifecycle,exit,waits,rpc,stdout -stdout-rep "${RXC_BENCH_REP:-3}" \
    -stdout-bytes "${RXC_BENCH_BYTES:-268435456}" 2> "$B/go.err"
  rm -rf "$B"
fi
