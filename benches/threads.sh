#!/usr/bin/env bash
# Issue 17, the every-built-in start-up target: where the instructions of
# `check all-builtins.yaml -f json -o r.html -o r.sarif` go, thread by thread (callgrind
# --separate-threads=yes), for the current build and each BEFORE binary. A single check
# runs the main thread (load, evaluation, SARIF, JSON, writing), two template-compile
# workers started at the beginning, a render thread for the HTML report and, at the end,
# two threads staging the files; valgrind numbers its threads by slot, so a later thread
# may reuse an earlier one's number. Lines are sorted by instructions, largest first.
#
#   benches/threads.sh
#   BEFORE=/path/to/old/gapcheck benches/threads.sh
#   FUNCTIONS=1 benches/threads.sh    # also the costliest functions (inclusive) per thread
# Needs: cargo, python3, valgrind (callgrind_annotate for FUNCTIONS=1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. benches/common.sh
bench_setup threads.sh
mkdir "$work/out"
"$scale" generate-portfolio "$work" 0
command -v valgrind >/dev/null || { echo "threads.sh: valgrind not found" >&2; exit 1; }
bench_machine

for bin in ${BEFORE:-} "$GAPCHECK"; do
    rm -f "$work"/cg.out*
    SOURCE_DATE_EPOCH=0 valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$work/cg.out" "$bin" check "$work/all-builtins.yaml" -f json \
        -o "$work/out/r.html" -o "$work/out/r.sarif" --fail-on never >/dev/null 2>&1
    echo
    echo "== $bin"
    for f in "$work"/cg.out-*; do
        n=$(sed -n 's/^summary: \([0-9]*\)/\1/p' "$f")
        printf '%14d  thread %s\n' "$n" "${f##*-}"
    done | sort -rn
    for f in "$work"/cg.out-*; do sed -n 's/^summary: \([0-9]*\)/\1/p' "$f"; done |
        awk '{ s += $1 } END { printf "%14d  all threads\n", s }'
    if [ -n "${FUNCTIONS:-}" ]; then
        for f in "$work"/cg.out-*; do
            echo "-- thread ${f##*-}, inclusive, gapcheck functions"
            callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep 'gapcheck::' |
                grep -v '^ *[0-9,]* *([ 0-9.]*%) *=>' | head -n 15 | cut -c1-160
        done
    fi
done
