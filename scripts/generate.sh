#!/usr/bin/env bash
# Regenerates generated/ from containerd 2.x's .proto files as shipped by Debian (sid's
# golang-github-containerd-containerd-api-dev, a superset of 1.6's v1 API: Transfer, Streaming,
# Sandbox, Introspection.Server/PluginInfo, new fields), plus the companion protos it needs (cgroups
# v3 stats, gogo's google/rpc/status, grpc health). Those packages are downloaded privately into
# $RXC_CACHE (scripts/lib.sh fetch_debs), never installed; protoc and google/protobuf come from
# bookworm (protobuf-compiler, libprotobuf-dev). Deterministic: the package versions are pinned, and
# CI runs this and fails on any drift (`git diff --exit-code generated`).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
ensure_debs libprotobuf-dev protobuf-compiler
PKGS=(
  golang-github-containerd-containerd-api-dev=2.1.9+ds1-5
  golang-github-containerd-cgroups-dev=3.0.5-5
  golang-github-gogo-googleapis-dev=1.4.0-2
  golang-google-grpc-dev=1.81.1-1
)
SRC=$RXC_CACHE/protos-containerd-2.1
fetch_debs sid "$SRC" "${PKGS[@]}"

GO=$SRC/usr/share/gocode/src
API=github.com/containerd/containerd/api
HEALTH_DIR=$GO/google.golang.org/grpc/debian/missing-sources/grpc/grpc-proto/master

# Every gRPC service of the API (not the shims' ttrpc APIs under runtime/ and services/ttrpc), every
# event and type.
PROTOS=(
  $(cd "$GO" && find $API/services $API/events $API/types -name '*.proto' -not -path '*/services/ttrpc/*' | LC_ALL=C sort)
  github.com/containerd/cgroups/v3/cgroup1/stats/metrics.proto
  github.com/containerd/cgroups/v3/cgroup2/stats/metrics.proto
  grpc/health/v1/health.proto
)

OPTS=outputServices=grpc-js,env=node,forceLong=long,esModuleInterop=true,useDate=true,importSuffix=.js,useOptionals=none,outputPartialMethods=true,exportCommonSymbols=false

rm -rf generated
mkdir -p generated
protoc \
  --plugin=protoc-gen-ts_proto=./node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=generated \
  --ts_proto_opt="$OPTS" \
  -I "$GO" -I "$GO/github.com/gogo/googleapis" -I "$HEALTH_DIR" -I /usr/include \
  "${PROTOS[@]}"
echo "generate: $(find generated -name '*.ts' | wc -l) files in generated/" >&2
