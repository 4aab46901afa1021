#!/usr/bin/env bash
# From a fresh machine: set up (apt, npm ci, build), then for each containerd line start a private
# containerd (the lab) in a temp dir, run the tests with node's test runner, and take the lab down
# even when tests fail. Prints a per-line summary (pass/fail counts, seconds); fails if any line did.
#
#   bash scripts/test-all.sh                      the whole suite on every line (1.6, 1.7, 2.1);
#                                                 unit and adapter tests (no daemon) on the first only
#   bash scripts/test-all.sh FILE...              just FILE... (extra args go to `node --test`) on one line
#   --containerd 1.6|1.7|2.1|all, --all-lines     choose the line(s); or env RXC_CONTAINERD=1.6|1.7|2.1|all.
#                                                 Default: all lines without FILEs, lib.sh's default line with.
#   env RXC_SKIP_SETUP=1                          skip setup.sh (already set up and built)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
want=${RXC_CONTAINERD:-}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all-lines) want=all ;;
    --containerd) want=${2:?--containerd needs 1.6, 1.7, 2.1 or all}; shift ;;
    --containerd=*) want=${1#--containerd=} ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ -z "$want" ]; then if [ ${#args[@]} -gt 0 ]; then want=$RXC_DEFAULT_LINE; else want=all; fi; fi
if [ "$want" = all ]; then lines=("${RXC_ALL_LINES[@]}"); else lines=("$want"); fi

[ -n "${RXC_SKIP_SETUP:-}" ] || bash scripts/setup.sh # RXC_SKIP_SETUP=1: already set up and built
for line in "${lines[@]}"; do containerd_bindir "$line" >/dev/null; done # download up front

logs=$(mktemp -d /tmp/rxc-test-all.XXXXXX)
summary=() failed=0 first=1
for line in "${lines[@]}"; do
  if [ ${#args[@]} -gt 0 ]; then files=("${args[@]}")
  elif [ $first = 1 ]; then files=(build/test/unit build/test/adapter build/test/integration build/test/restart)
  else files=(build/test/integration build/test/restart); fi
  first=0
  t0=$(date +%s) rc=0
  (
    export RXC_CONTAINERD=$line
    unset RXC_LAB_DIR
    lab_up
    echo "test-all: containerd $line lab at $CONTAINERD_ADDRESS" >&2
    # One file at a time: the restart tests stop and start the shared lab daemon.
    node --test --test-concurrency=1 --test-timeout=300000 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$logs/$line.tap" "${files[@]}"
  ) || rc=$?
  secs=$(( $(date +%s) - t0 ))
  pass=$(awk '/^# pass /{print $3}' "$logs/$line.tap" 2>/dev/null | tail -n1)
  fail=$(awk '/^# fail /{print $3}' "$logs/$line.tap" 2>/dev/null | tail -n1)
  summary+=("containerd $line: pass ${pass:-?} fail ${fail:-?} exit $rc ${secs}s")
  [ "$rc" = 0 ] || failed=1
done
echo "test-all: summary (TAP logs in $logs)" >&2
printf '  %s\n' "${summary[@]}" >&2
exit $failed
