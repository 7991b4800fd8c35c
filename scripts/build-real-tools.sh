#!/usr/bin/env bash
# Builds the real trivy and cosign from their Go modules at the pinned tags, for the real-tools test
# tier, into a cache outside the repository keyed by tool, version and Go version. Builds nothing
# when the binaries are there. These are the real programs but not the release bytes: the tests
# serve them from the local mirror under a version of their own, never as the pinned version.
# Facts for the build: pins.md, "Building the real tools" (a copy is in __tests__/fixtures/pins.md).
set -euo pipefail

TRIVY_VERSION=0.74.0
COSIGN_VERSION=3.0.6
cache_root="${IMGSEC_REAL_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/imgsec-action/real-tools}"

if ! command -v go >/dev/null 2>&1; then
  echo "build-real-tools: Go is not installed; the real-tools tier needs Go 1.26.x (pins.md)." >&2
  exit 1
fi
go_version="$(go env GOVERSION)"

# build NAME VERSION MODULE LDFLAGS [ENV...]
build() {
  local name=$1 version=$2 module=$3 ldflags=$4
  shift 4
  local dir="$cache_root/$name-$version-$go_version"
  if [ -x "$dir/bin/$name" ]; then
    echo "build-real-tools: $name $version ($go_version) is cached at $dir/bin/$name"
    return
  fi
  echo "build-real-tools: building $name $version with $go_version from $module (takes minutes when cold)"
  local start=$SECONDS
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  env "$@" CGO_ENABLED=0 GOBIN="$dir.partial/bin" GOFLAGS=-trimpath \
    go install -ldflags "-s -w $ldflags" "$module@v$version"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  echo "build-real-tools: built $name $version in $((SECONDS - start)) s: $dir/bin/$name"
}

# trivy imports encoding/json/v2 (GOEXPERIMENT=jsonv2) and needs Go >= 1.26.3 and < 1.27.
build trivy "$TRIVY_VERSION" github.com/aquasecurity/trivy/cmd/trivy \
  "-X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" GOEXPERIMENT=jsonv2 &
trivy_pid=$!
build cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v3/cmd/cosign \
  "-X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION" &
cosign_pid=$!
status=0
wait "$trivy_pid" || status=1
wait "$cosign_pid" || status=1
exit "$status"
