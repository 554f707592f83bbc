#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a bounded time each.
# A crash is saved under the package's testdata/fuzz/ and then replays as a
# regression test in every `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}
status=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($fuzztime)"
    # A new input is minimised for 10 s at most: with the default (60 s) a
    # target with a large corpus (FuzzHTMLReader) sat at 0 execs/s for long.
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s || status=1
  done
done
exit $status
