#!/usr/bin/env bash
# Benchmarks: set up, start a private lab, run bench/*.ts and print the comparison table.
#   bash scripts/bench.sh            rxcontainerd's benchmarks (the table's Go column stays empty)
#   bash scripts/bench.sh --go       also build (offline, Debian packages) and run containerd's Go
#                                    client on the same scenarios (../shared/bench/go-baseline),
#                                    interleaved with ours: `npm run bench`
# Environment:
#   RXC_BENCH_ROUNDS   rounds of each side (default 3 with --go, else 1); figures are medians
#   RXC_BENCH_OUT      results directory (default: a new /tmp/rxc-bench.XXXXXX, kept)
#   RXC_BENCH_IO=1     also the stdout-throughput and push-memory benchmarks (slow: 256 MiB)
#   RXC_GO_BASELINE    the go-baseline source directory
#   RXC_BENCH_BYTES / RXC_BENCH_REP tune the stdout benchmark; RXC_CONTAINERD the daemon line.
#   RXC_BENCH_SCENARIOS=lifecycle  only the lifecycle scenario, both sides (no exit/rpc/waits/
#                      transfer runs, no CPU profiles): quicker interleaved rounds for that table
set -euo pipefail
cd "$(dirname "$0")/.."
withgo=0
[ "${1:-}" = "--go" ] && withgo=1
rounds=${RXC_BENCH_ROUNDS:-$([ $withgo = 1 ] && echo 3 || echo 1)}
OUT=${RXC_BENCH_OUT:-$(mktemp -d /tmp/rxc-bench.XXXXXX)}
mkdir -p "$OUT"
[ "${RXC_BENCH_SETUP:-1}" = 1 ] && bash scripts/setup.sh  # RXC_BENCH_SETUP=0: already set up and built
. scripts/lib.sh

gobin=""
if [ $withgo = 1 ]; then
  base=${RXC_GO_BASELINE:-}
  for d in ../shared/bench/go-baseline ../../shared/bench/go-baseline /work/shared/bench/go-baseline; do
    [ -n "$base" ] && break
    [ -f "$d/main.go" ] && base=$(cd "$d" && pwd)
  done
  [ -n "$base" ] || { echo "bench: go-baseline sources not found (set RXC_GO_BASELINE)" >&2; exit 1; }
  ensure_debs golang-go golang-github-containerd-containerd-dev
  # Built once per main.go (GOPATH mode: every import from Debian's /usr/share/gocode, no download).
  B="$RXC_CACHE/go-baseline/$(sha256sum "$base/main.go" | cut -c1-16)"
  if [ ! -x "$B/go-baseline" ]; then
    rm -rf "$B" && mkdir -p "$B" && cp -r "$base" "$B/src" && chmod -R u+w "$B/src"
    (cd "$B/src" && GO111MODULE=off GOPATH=/usr/share/gocode:$B/gopath GOCACHE=$B/cache GOFLAGS= go build -o "$B/go-baseline.tmp" . && mv "$B/go-baseline.tmp" "$B/go-baseline")
  fi
  gobin="$B/go-baseline"
fi

lab_up
only=lifecycle,exit,waits,rpc
[ "${RXC_BENCH_IO:-}" = 1 ] && only=$only,stdout
lifecycle_only=0
[ "${RXC_BENCH_SCENARIOS:-}" = lifecycle ] && lifecycle_only=1 && only=lifecycle

ours() {
  if [ $lifecycle_only = 1 ]; then RXC_BENCH_LIFECYCLE_ONLY=1 node build/bench/lifecycle.js | tee "$OUT/ours-$1.txt"; return; fi
  {
    node build/bench/lifecycle.js
    node build/bench/adapter-overhead.js
    node --expose-gc build/bench/waits.js
    node build/bench/exit-path.js # reap -> delivery, path by path
    node build/bench/wait-issue.js # wait$() per call, in-process rounds
    if [ "${RXC_BENCH_IO:-}" = 1 ]; then node build/bench/stdout.js; node build/bench/push.js; fi
    node build/bench/transfer.js # client-side vs Transfer pull; skips itself without Transfer (1.6)
  } | tee "$OUT/ours-$1.txt"
}
gobase() {
  # Inside the lab daemon's mount namespace: the Go client's FIFOs go to /run/containerd/fifo,
  # which only there is the directory the lab's shims see.
  nsenter --mount --target "$(cat "$RXC_LAB_DIR/containerd.pid")" "$gobin" -address "$CONTAINERD_ADDRESS" \
    -namespace gobench -import "$RXC_LAB_DIR/image/busybox-oci.tar" -only "$only" -stdout-rep "${RXC_BENCH_REP:-3}" \
    -stdout-bytes "${RXC_BENCH_BYTES:-268435456}" -json-out "$OUT/go-$1.json" 2> "$OUT/go-$1.err" | tee "$OUT/go-$1.txt"
}
for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  # Interleaved, alternating who goes first, so that the machine's load hits both sides alike.
  if [ -z "$gobin" ]; then ours "$r"
  elif [ $((r % 2)) = 1 ]; then ours "$r"; gobase "$r"
  else gobase "$r"; ours "$r"; fi
done
# Where a unary call's client CPU goes: plain grpc-js and the adapter, each profiled on its own.
[ $lifecycle_only = 1 ] || for k in plain adapter; do
  RXC_BENCH_ONLY=$k node --cpu-prof --cpu-prof-dir="$OUT/prof-$k" build/bench/adapter-overhead.js >/dev/null
  node build/bench/cpu-profile.js "$OUT"/prof-$k/*.cpuprofile "$k" > "$OUT/profile-$k.txt"
done
node build/bench/report.js "$OUT" | tee "$OUT/report.md"
[ $lifecycle_only = 1 ] || bash bench/cli-startup.sh | tee "$OUT/cli-startup.md" # rxctr's start beside ctr's (hyperfine)
[ $lifecycle_only = 1 ] || for k in plain adapter; do cat "$OUT/profile-$k.txt" | grep -v '^{'; done
echo "bench: results in $OUT" >&2
