#!/usr/bin/env bash
# Fresh-machine setup shared by test-all.sh and demo.sh: Debian packages (containerd, runc,
# busybox-static; docker-registry, skopeo and apache2-utils for the registry tests; nginx (the remote-daemon
# mTLS proxy), tmux (the CLI's TTY tests), chromium (the dashboard's browser test); generate.sh
# installs the proto packages itself), npm ci, build. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "setup: Node.js >= 20 is required" >&2; exit 1; }
. scripts/lib.sh
ensure_debs containerd runc busybox-static ca-certificates docker-registry skopeo apache2-utils nginx tmux chromium openssl iproute2
# npm ci unless node_modules is already installed from this package-lock.json. Never through a
# symlinked node_modules (a worktree sharing another checkout's install): npm ci would empty the
# shared directory.
if [ -L node_modules ]; then
  echo "setup: node_modules is a symlink (shared install): not running npm ci" >&2
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run -s build
npm run -s build:test
