#!/usr/bin/env bash
# Issue 17's "reports that borrow and stream" target: 100,000 controls checked to JSON in at
# most 250 MB peak RSS. Runs the binary before (BEFORE, e.g. a release build of an older
# commit) and after side by side, interleaved, RUNS times each, with the JSON report to
# stdout and into a file (`-o r.json`), and checks that both binaries write the same bytes.
# Prints the largest peak RSS and the best wall time of each.
#
#   BEFORE=/path/to/old/gapcheck benches/memory.sh
#   RUNS=3 GAPCHECK=/path/to/gapcheck benches/memory.sh
#
# Needs: cargo, GNU time (/usr/bin/time), python3.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-3}

. benches/common.sh
bench_setup memory.sh
"$scale" generate "$work" >/dev/null
export SOURCE_DATE_EPOCH=0

bench_machine
echo "catalog: $(du -sm "$work/catalog-100k" | cut -f1) MB of YAML in $(find "$work/catalog-100k" -type f | wc -l) files"

bins=()
labels=()
if [ -n "${BEFORE:-}" ]; then
    bins+=("$BEFORE")
    labels+=(before)
fi
bins+=("$GAPCHECK")
labels+=(after)

# One run: label, mode (stdout or file); appends "wall kb" to $work/<label>-<mode>.
one() {
    local bin=$1 label=$2 mode=$3
    local args=(check "$work/check-100k.yaml" -c "$work/catalog-100k" --fail-on never)
    rm -f "$work/r.json"
    if [ "$mode" = stdout ]; then
        /usr/bin/time -f "%e %M" -o "$work/time" "$bin" "${args[@]}" -f json >"$work/$label.json" \
            2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    else
        /usr/bin/time -f "%e %M" -o "$work/time" "$bin" "${args[@]}" -o "$work/r.json" >/dev/null \
            2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
        cmp -s "$work/r.json" "$work/$label.json" || { echo "$label: -o r.json differs from stdout" >&2; exit 1; }
    fi
    cat "$work/time" >>"$work/$label-$mode"
}

for _ in $(seq "$runs"); do
    for mode in stdout file; do
        for i in "${!bins[@]}"; do
            one "${bins[$i]}" "${labels[$i]}" "$mode"
        done
    done
done
if [ -n "${BEFORE:-}" ]; then
    cmp "$work/before.json" "$work/after.json" && echo "JSON reports identical ($(wc -c <"$work/after.json") bytes)"
fi

echo
echo "== gapcheck check check-100k.yaml -c catalog-100k (best wall of $runs, largest peak RSS)"
for mode in stdout file; do
    for label in "${labels[@]}"; do
        python3 - "$work/$label-$mode" "$label" "$mode" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = min(float(r[0]) for r in rows)
peak = max(int(r[1]) for r in rows) / 1024
what = "-f json > /dev/null" if sys.argv[3] == "stdout" else "-o r.json"
print(f"{sys.argv[2]:<7} {what:<20} {wall:7.2f} s {peak:8.1f} MB")
EOF
    done
done
