#!/usr/bin/env bash
# Issue 17's portfolio target: `gapcheck check DIR -o OUT/` for 1,000 clients in at most
# 150 MB peak and at most half the wall time of the binary before (set BEFORE to it, e.g. a
# release build of an older commit), with peak memory not growing with the number of
# clients (250 and 1,000 clients are both measured). Each binary runs RUNS times, one after
# the other; the best wall time and the largest peak are reported.
#
#   BEFORE=/path/to/old/gapcheck benches/portfolio.sh
#   BEFORE="/path/a /path/b" RUNS=1 benches/portfolio.sh   # several older binaries
#   RUNS=3 GAPCHECK=/path/to/gapcheck benches/portfolio.sh
#
# Needs: cargo, GNU time (/usr/bin/time).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-3}

. benches/common.sh
bench_setup portfolio.sh
"$scale" generate-portfolio "$work/p1000" 1000
"$scale" generate-portfolio "$work/p250" 250

bench_machine

# best wall seconds and largest peak MB of RUNS runs of: gapcheck check DIR -o OUT/
measure() {
    local bin=$1 dir=$2 best=999999 peak=0
    for _ in $(seq "$runs"); do
        rm -rf "$work/out"
        /usr/bin/time -f "%e %M" -o "$work/time" "$bin" check "$dir" -o "$work/out/" \
            --fail-on never >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
        read -r wall kb <"$work/time"
        best=$(python3 -c "print(min($best, $wall))")
        peak=$(python3 -c "print(max($peak, $kb / 1024))")
    done
    printf '%-10s %-12s %8.2f s %9.1f MB  (%s files, %s MB written)\n' "$3" "$(basename "$dir")" \
        "$best" "$peak" "$(find "$work/out" -type f | wc -l)" "$(du -sm "$work/out" | cut -f1)"
}

echo
echo "== gapcheck check DIR -o OUT/ (best wall of $runs, largest peak RSS)"
for dir in "$work/p1000/portfolio" "$work/p250/portfolio"; do
    # BEFORE may name several binaries (space-separated), each measured in turn.
    for b in ${BEFORE:-}; do
        measure "$b" "$dir" "$(basename "$b" | cut -c1-10)"
    done
    measure "$GAPCHECK" "$dir" after
done
