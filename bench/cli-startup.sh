#!/usr/bin/env bash
# rxctr's start beside ctr's, against the daemon at $CONTAINERD_ADDRESS (scripts/bench.sh runs it
# against its lab): hyperfine, warm code cache, prints a table of medians. Needs `npm run build`.
#   RXC_BENCH_STARTUP_RUNS (30)   runs of each command
#   CTR                           the ctr binary (default: the lab line's, else ctr on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_debs hyperfine
: "${CONTAINERD_ADDRESS:?set CONTAINERD_ADDRESS (scripts/lab env)}"
runs=${RXC_BENCH_STARTUP_RUNS:-30}
ctr=${CTR:-${RXC_CONTAINERD_BIN:+$RXC_CONTAINERD_BIN/ctr}}
ctr=${ctr:-$(command -v ctr)}
out=$(mktemp -d /tmp/rxc-startup.XXXXXX)
trap 'rm -rf "$out"' EXIT
export RXCTR_CACHE_DIR="$out/cache"
node dist/cli/rxctr.cjs version >/dev/null # writes the code cache, as any first run does
hyperfine -N -w 3 -r "$runs" --export-json "$out/h.json" \
  -n "node -e 0" "node -e 0" \
  -n "rxctr --help" "node dist/cli/rxctr.cjs --help" \
  -n "rxctr version" "node dist/cli/rxctr.cjs version" \
  -n "rxctr version (no code cache)" "env NODE_DISABLE_COMPILE_CACHE=1 node dist/cli/rxctr.cjs version" \
  -n "ctr version" "$ctr --address $CONTAINERD_ADDRESS version" >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const ms = (s) => (s * 1000).toFixed(1);
const by = Object.fromEntries(r.map((x) => [x.command, x]));
console.log(`## rxctr startup (hyperfine, ${r[0].times.length} runs, load ${require("os").loadavg()[0].toFixed(1)})\n`);
console.log("| command | wall, median | wall, min | CPU (user + sys), mean |");
console.log("|---|---:|---:|---:|");
for (const x of r) console.log(`| \`${x.command}\` | ${ms(x.median)} ms | ${ms(x.min)} ms | ${ms(x.user + x.system)} ms |`);
const v = by["rxctr version"], n = by["node -e 0"], c = by["ctr version"];
console.log(`\nrxctr version beyond Node'"'"'s own start: ${ms(v.median - n.median)} ms wall, ${ms(v.user + v.system - n.user - n.system)} ms CPU; ctr version: ${ms(c.median)} ms.`);
' "$out/h.json"
