# Shared shell helpers; source it: . "$(dirname "$0")/lib.sh"

# ensure_debs PKG... — apt-get install the Debian packages that are not installed yet.
ensure_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# lab_up — start a private lab in a temp dir (unless RXC_LAB_DIR is set), export its address,
# and take it down when the calling script exits.
lab_up() {
  local here; here=$(dirname "${BASH_SOURCE[0]}")
  export RXC_LAB_DIR=${RXC_LAB_DIR:-$(mktemp -d /tmp/rxc-lab.XXXXXX)}
  trap "bash '$here/lab' down" EXIT
  CONTAINERD_ADDRESS=$(bash "$here/lab" up)
  # FIFOs must be visible to the lab's shims (which see a private /run): $LAB/fifo.
  export CONTAINERD_ADDRESS CONTAINERD_FIFO_DIR=$RXC_LAB_DIR/fifo
}
