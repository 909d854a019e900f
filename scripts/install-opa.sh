#!/usr/bin/env bash
# Resolves the `opa` binary the project builds policies with, installing the pinned version on demand.
# Order: $OPA_BIN, then `opa` on PATH if it is the pinned version, then .tools/bin/opa (installed with `go install`).
# Prints the binary's path on stdout; progress goes to stderr.
set -euo pipefail
OPA_VERSION="${OPA_VERSION:-v1.22.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

if [ -n "${OPA_BIN:-}" ]; then
  [ -x "$OPA_BIN" ] || { echo "OPA_BIN=$OPA_BIN is not an executable file" >&2; exit 1; }
  echo "$OPA_BIN"; exit 0
fi
want="${OPA_VERSION#v}"
if command -v opa >/dev/null 2>&1 && opa version 2>/dev/null | grep -q "^Version: $want\$"; then
  command -v opa; exit 0
fi
bin="$tools/bin/opa"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "^Version: $want\$"; then
  echo "$bin"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "opa $OPA_VERSION is not installed and Go is not available to install it" >&2; exit 1; }
echo "installing opa $OPA_VERSION with go install (first run takes a few minutes; Go's build cache makes later runs fast)" >&2
mkdir -p "$tools/bin"
GOBIN="$tools/bin" CGO_ENABLED=0 go install -ldflags "-X github.com/open-policy-agent/opa/v1/version.Version=$want" "github.com/open-policy-agent/opa@$OPA_VERSION" >&2
echo "$bin"
