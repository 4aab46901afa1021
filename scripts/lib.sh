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
    # Install without starting the packages' services (nginx on :80, docker-registry on :5000): the
    # tests start private instances. A policy-rc.d that says 101 ("not allowed") does that.
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then policy=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { [ -z "$policy" ] || rm -f "$policy"; return 1; }
    [ -z "$policy" ] || rm -f "$policy"
  fi
}

# lab_up — start a private lab (of the line $RXC_CONTAINERD) in a temp dir (unless RXC_LAB_DIR is set), export its address,
# and take it down when the calling script exits.
lab_up() {
  local here; here=$(dirname "${BASH_SOURCE[0]}")
  export RXC_LAB_DIR=${RXC_LAB_DIR:-$(mktemp -d /tmp/rxc-lab.XXXXXX)}
  trap "bash '$here/lab' down" EXIT
  CONTAINERD_ADDRESS=$(bash "$here/lab" up)
  eval "$(bash "$here/lab" env)"
  # FIFOs must be visible to the lab's shims (which see a private /run): $LAB/fifo.
  export CONTAINERD_ADDRESS CONTAINERD_FIFO_DIR=$RXC_LAB_DIR/fifo
}

# The Debian mirror the system's apt sources name (for the private suites below).
debian_mirror() {
  local m
  m=$(grep -rhoE '(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]*debian/?([[:space:]]|$)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | grep -oE 'https?://[^[:space:]]+' | head -n1)
  echo "${m:-http://deb.debian.org/debian}"
}

# All the lines scripts/test-all.sh --all-lines runs.
RXC_ALL_LINES=(1.6 1.7 2.1)

# RXC_CACHE holds downloaded .debs and their unpacked trees; reused when present.
RXC_CACHE=${RXC_CACHE:-/var/cache/rxcontainerd}

# fetch_debs SUITE DEST PKG[=VERSION]... — download PKG from Debian's SUITE (e.g. trixie, sid) through a
# private sources list and apt state dir (never installs, never touches the system's apt state),
# and unpack each into DEST with dpkg-deb -x. A no-op when DEST/.complete exists.
fetch_debs() {
  local suite=$1 dest=$2; shift 2
  [ -f "$dest/.complete" ] && return 0
  local apt="$RXC_CACHE/apt-$suite"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$dest"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $suite main" > "$apt/sources.list"
  local o=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  # Refresh the suite's index once a day at most.
  if [ -z "$(find "$apt/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
    apt-get "${o[@]}" update -qq >&2
  fi
  ( cd "$apt/debs" && apt-get "${o[@]}" download -qq "$@" >&2 )
  local p f
  for p in "$@"; do
    # PKG or PKG=VERSION (pinned; apt-get download fails clearly when the suite no longer has it).
    f=$(ls -t "$apt/debs/${p%%=*}_"*.deb | head -n1)
    dpkg-deb -x "$f" "$dest"
  done
  touch "$dest/.complete"
}

# containerd_line [LINE] — the containerd line to run: 1.6 (the system's, bookworm), 1.7 (trixie)
# or 2.1 (sid). From the argument, else $RXC_CONTAINERD, else the default.
# 2.1 by default: containerd 2.x is what users run (1.6 and 1.7 are past end of life).
RXC_DEFAULT_LINE=2.1
containerd_line() { echo "${1:-${RXC_CONTAINERD:-$RXC_DEFAULT_LINE}}"; }

# containerd_bindir LINE — a directory holding that line's containerd, containerd-shim-runc-v2 and
# ctr: 1.6 is bookworm's package (apt-installed, the system's); 1.7.24 (trixie) and 2.1.9 (sid) are
# downloaded and unpacked under $RXC_CACHE on first use, never installed. All run with bookworm's
# runc (sid's needs a newer glibc).
containerd_bindir() {
  case "$1" in
    1.6) ensure_debs containerd; echo /usr/bin ;;
    1.7) fetch_debs trixie "$RXC_CACHE/containerd-1.7.24" containerd=1.7.24~ds1-6+deb13u1 >&2; echo "$RXC_CACHE/containerd-1.7.24/usr/bin" ;;
    2.1) fetch_debs sid "$RXC_CACHE/containerd-2.1.9" containerd=2.1.9+ds1-5 >&2; echo "$RXC_CACHE/containerd-2.1.9/usr/bin" ;;
    *) echo "unknown containerd line '$1' (1.6, 1.7 or 2.1)" >&2; return 2 ;;
  esac
}
