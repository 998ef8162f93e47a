#!/usr/bin/env bash
# Reruns the first round of measurements in BENCHMARKS.md: wall time with hyperfine, peak memory with
# /usr/bin/time. Inputs (the 100,000-control catalog, the 1,000 arrangements) are generated
# into a temporary directory and deleted afterwards.
#
#   benches/run.sh            # everything (about five minutes on two cores)
#   benches/run.sh issue17    # issue 17's targets instead (benches/issue17.sh; BEFORE=…)
#   TRESTLE_PY=/path/to/venv/bin/python benches/run.sh   # with compliance-trestle for (b)
#
# Needs: cargo, hyperfine, GNU time (/usr/bin/time). Set CARGO_TARGET_DIR as usual.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${1:-}" = issue17 ]; then
    exec benches/issue17.sh
fi
high=$root/tests/data/nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json
trestle_py=${TRESTLE_PY:-python3}

cargo build --release --quiet
scale=$(cargo bench --bench scale --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*\))$/\1/p' | tail -n 1)
target=$(dirname "$(dirname "$scale")")
gapcheck=$target/gapcheck
[ -x "$gapcheck" ] && [ -x "$scale" ] || { echo "run.sh: binaries not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$scale" generate "$work"
mkdir "$work/out"

echo "== machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo
uptime

# Peak resident memory of one run, in MB.
peak() {
    local label=$1
    shift
    /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/stderr" || true
    awk -v label="$label" 'END { printf "%-70s %8.1f MB\n", label, $1 / 1024 }' "$work/rss"
}

hf() {
    hyperfine --style basic --shell=none "$@"
}

echo
echo "== (1) built-in catalogs against each fixture, and one arrangement against every built-in catalog with HTML, JSON and SARIF"
hf --warmup 3 --runs 30 \
    -n break-fix-office "$gapcheck check fixtures/break-fix-office.yaml -f json --fail-on never" \
    -n clinic "$gapcheck check fixtures/clinic.yaml -f json --fail-on never" \
    -n co-managed "$gapcheck check fixtures/co-managed.yaml -f json --fail-on never" \
    -n credit-union "$gapcheck check fixtures/credit-union.yaml -f json --fail-on never" \
    -n defense-subcontractor "$gapcheck check fixtures/defense-subcontractor.yaml -f json --fail-on never" \
    -n managed "$gapcheck check fixtures/managed.yaml -f json --fail-on never" \
    -n all-builtins-html-json-sarif "$gapcheck check $work/all-builtins.yaml -f json -o $work/out/r.html -o $work/out/r.sarif --fail-on never"
peak "all built-in catalogs, HTML+JSON+SARIF" "$gapcheck" check "$work/all-builtins.yaml" -f json -o "$work/out/r.html" -o "$work/out/r.sarif" --fail-on never

echo
echo "== (2) whole check against parsing alone: one fixture (built-in catalogs + arrangement)"
hf --warmup 3 --runs 30 \
    -n "check co-managed to JSON" "$gapcheck check fixtures/co-managed.yaml -f json --fail-on never" \
    -n "parse floor (serde-saphyr, IgnoredAny)" "$scale parse-floor fixtures/co-managed.yaml" \
    -n "parse into gapcheck's tree" "$scale parse-tree fixtures/co-managed.yaml"

echo
echo "== (3) 100,000-control catalog (25 files) checked to JSON, against parsing the same YAML"
hf --warmup 1 --runs 5 \
    -n "check 100k to JSON" "$gapcheck check $work/check-100k.yaml -c $work/catalog-100k -f json --fail-on never" \
    -n "validate 100k (load only)" "$gapcheck catalog validate $work/catalog-100k" \
    -n "parse floor (serde-saphyr, IgnoredAny)" "$scale parse-floor $work/catalog-100k $work/check-100k.yaml" \
    -n "parse into gapcheck's tree" "$scale parse-tree $work/catalog-100k $work/check-100k.yaml"
peak "check 100k to JSON" "$gapcheck" check "$work/check-100k.yaml" -c "$work/catalog-100k" -f json --fail-on never
peak "validate 100k (load only)" "$gapcheck" catalog validate "$work/catalog-100k"
peak "parse floor 100k" "$scale" parse-floor "$work/catalog-100k" "$work/check-100k.yaml"
peak "parse into gapcheck's tree 100k" "$scale" parse-tree "$work/catalog-100k" "$work/check-100k.yaml"

echo
echo "== (4) NIST SP 800-53 HIGH (OSCAL JSON): gapcheck import+validate against compliance-trestle load+validate"
if [ -f "$high" ]; then
    cmds=(-n "gapcheck catalog import" "$gapcheck catalog import $high -o $work/out/high.yaml --id nist-high")
    if "$trestle_py" -c 'import trestle' 2>/dev/null; then
        cmds+=(-n "trestle Catalog.oscal_read" "$trestle_py benches/trestle_load.py $high")
    else
        echo "(compliance-trestle not importable by $trestle_py: set TRESTLE_PY)"
    fi
    hf --warmup 2 --runs 10 "${cmds[@]}"
    peak "gapcheck catalog import HIGH" "$gapcheck" catalog import "$high" -o "$work/out/high.yaml" --id nist-high
    if "$trestle_py" -c 'import trestle' 2>/dev/null; then
        peak "trestle load+validate HIGH" "$trestle_py" benches/trestle_load.py "$high"
    fi
    hf --warmup 3 --runs 20 \
        -n "check co-managed with the imported HIGH catalog added" "$gapcheck check fixtures/co-managed.yaml -c $work/out/high.yaml -f json --fail-on never"
else
    echo "(reference catalog not found at $high)"
fi

echo
echo "== (5) portfolio of 1,000 arrangements (built-in catalogs)"
hf --warmup 0 --runs 3 \
    -n "1,000 sequential processes" "sh -c 'for f in $work/portfolio/*.yaml; do $gapcheck check \$f -f json --fail-on never >/dev/null; done'" \
    -n "1,000 processes, 2 at a time" "sh -c 'ls $work/portfolio/*.yaml | xargs -P 2 -n 1 $gapcheck check -f json --fail-on never >/dev/null'" \
    -n "library loop, 1 thread" "$scale portfolio $work/portfolio 1" \
    -n "library loop, 2 threads" "$scale portfolio $work/portfolio 2" \
    -n "portfolio mode to JSON (one process, both cores)" "$gapcheck check $work/portfolio -f json --fail-on never" \
    -n "portfolio mode, -o DIR/ (JSON+MD+HTML per arrangement + index)" "$gapcheck check $work/portfolio -f text -o $work/out/pf/ --fail-on never"
peak "library loop, 2 threads" "$scale" portfolio "$work/portfolio" 2
peak "portfolio mode to JSON" "$gapcheck" check "$work/portfolio" -f json --fail-on never
peak "portfolio mode, -o DIR/" "$gapcheck" check "$work/portfolio" -o "$work/out/pf/" --fail-on never
