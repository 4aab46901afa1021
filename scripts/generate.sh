#!/usr/bin/env bash
# Regenerates generated/ from containerd 1.6's .proto files as shipped by Debian.
# Installs the Debian packages that hold them (and protoc) when missing. Deterministic:
# CI runs it and fails on any drift (`git diff --exit-code generated`).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
ensure_debs golang-github-containerd-containerd-dev golang-github-gogo-protobuf-dev \
  golang-github-gogo-googleapis-dev golang-github-containerd-cgroups-dev \
  golang-google-grpc-dev libprotobuf-dev protobuf-compiler

GO=/usr/share/gocode/src
CTRD=github.com/containerd/containerd
HEALTH_DIR=$GO/google.golang.org/grpc/debian/missing-sources/grpc/grpc-proto/master

PROTOS=(
  $CTRD/api/services/containers/v1/containers.proto
  $CTRD/api/services/content/v1/content.proto
  $CTRD/api/services/diff/v1/diff.proto
  $CTRD/api/services/events/v1/events.proto
  $CTRD/api/services/images/v1/images.proto
  $CTRD/api/services/introspection/v1/introspection.proto
  $CTRD/api/services/leases/v1/leases.proto
  $CTRD/api/services/namespaces/v1/namespace.proto
  $CTRD/api/services/snapshots/v1/snapshots.proto
  $CTRD/api/services/tasks/v1/tasks.proto
  $CTRD/api/services/version/v1/version.proto
  $CTRD/api/events/container.proto
  $CTRD/api/events/content.proto
  $CTRD/api/events/image.proto
  $CTRD/api/events/namespace.proto
  $CTRD/api/events/snapshot.proto
  $CTRD/api/events/task.proto
  $CTRD/api/types/descriptor.proto
  $CTRD/api/types/metrics.proto
  $CTRD/api/types/mount.proto
  $CTRD/api/types/platform.proto
  $CTRD/api/types/task/task.proto
  $CTRD/runtime/v2/runc/options/oci.proto
  github.com/containerd/cgroups/stats/v1/metrics.proto
  github.com/containerd/cgroups/v2/stats/metrics.proto
  grpc/health/v1/health.proto
)

OPTS=outputServices=grpc-js,env=node,forceLong=long,esModuleInterop=true,useDate=true,importSuffix=.js,useOptionals=none,outputPartialMethods=true,exportCommonSymbols=false

rm -rf generated
mkdir -p generated
protoc \
  --plugin=protoc-gen-ts_proto=./node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=generated \
  --ts_proto_opt="$OPTS" \
  -I "$GO" -I "$GO/github.com/gogo/protobuf" -I "$GO/github.com/gogo/googleapis" \
  -I "$HEALTH_DIR" -I /usr/include \
  "${PROTOS[@]}"
echo "generate: $(find generated -name '*.ts' | wc -l) files in generated/" >&2
