#!/usr/bin/env bash
# Builds the real Pulumi CLI from the Go module proxy (the only place it is served here) and prints
# the path of the binary. The Pulumi install script and release downloads cannot be reached; `go
# install ...@v3.276.0` refuses pkg/v3 because its go.mod has replace directives, so the CLI is built
# from a scratch module that requires pkg/v3 and sdk/v3 and copies pkg/v3's one replace that matters.
# Cold: about 10 minutes of CPU and 2.3 GB at link. The Go module and build caches stay under
# ~/.cache, so a warm run takes seconds; the binary is reused while its version matches.
set -euo pipefail
version="${PULUMI_CLI_VERSION:-v3.276.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}"
out="$cache/clickstream-sessionizer/pulumi-$version"
bin="$out/bin/pulumi"
export PULUMI_SKIP_UPDATE_CHECK=true
# Prints the binary's path and ends the script when the cached one is this version.
use_cached() {
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -qx "$version"; then
    echo "$bin"
    exit 0
  fi
}
use_cached
command -v go >/dev/null || { echo "pulumi-cli: Go 1.21 or later is needed to build the Pulumi CLI (https://go.dev/dl)" >&2; exit 1; }
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod
# pkg/v3 v3.276.0 needs Go 1.26.6. An older go takes that toolchain from the module proxy itself
# (GOTOOLCHAIN), which works from Go 1.21 on even where the machine sets GOTOOLCHAIN=local.
required=go1.26.6
current=$(go env GOVERSION)
if [ "$(printf '%s\n%s\n' "$required" "$current" | sort -V | head -1)" != "$required" ]; then
  export GOTOOLCHAIN=go1.26.8
fi
src="$out/src"
mkdir -p "$src" "$out/bin"
# One build at a time per cache (CI and a developer, or two test runs): the others wait, then reuse.
exec 9>"$out/.lock"
flock 9
use_cached
cat >"$src/go.mod" <<MOD
module pulumi-cli-build

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 $version
	github.com/pulumi/pulumi/sdk/v3 $version
)

// Copied from pkg/v3's go.mod: the CLI is built against this fork (a replace does not carry over).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat >"$src/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
cd "$src"
echo "pulumi-cli: building the Pulumi CLI $version from the Go module proxy (cold: about 10 CPU-minutes)" >&2
go mod tidy >&2
tmp=$(mktemp "$out/bin/pulumi.XXXXXX")
trap 'rm -f "$tmp"' EXIT
go build -trimpath -o "$tmp" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$tmp" "$bin"
echo "$bin"
