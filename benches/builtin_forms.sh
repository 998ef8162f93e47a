#!/usr/bin/env bash
# Issue 17, "Built-ins compiled, not parsed … measure and choose": decoding all seven
# built-in catalogs from today's compiled form, serde_json and postcard (benches/
# builtin_forms.rs). Prints the in-process wall times (interleaved medians) and, when
# valgrind is installed, the callgrind instructions of one decode of each form: the bench
# binary decoding 101 times minus decoding once, over 100, so start-up and building the
# forms cancel out.
#
#   benches/builtin_forms.sh
# Needs: cargo; valgrind optional.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$(cargo bench --bench builtin_forms --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*\))$/\1/p' | tail -n 1)
[ -x "$bin" ] || { echo "builtin_forms.sh: bench binary not found" >&2; exit 1; }
uptime
"$bin"
if command -v valgrind >/dev/null; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    count() {
        valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" once "$1" "$2" 2>&1 >/dev/null |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    echo
    echo "== callgrind instructions of one decode of all seven catalogs ((N=101) - (N=1)) / 100"
    for mode in compiled json postcard json-only postcard-only; do
        one=$(count "$mode" 1)
        many=$(count "$mode" 101)
        printf '%-14s %14d\n' "$mode" $(((many - one) / 100))
    done
fi
