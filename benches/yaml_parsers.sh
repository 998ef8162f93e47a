#!/usr/bin/env bash
# Issue 17, "the parse floor": the YAML parsers and gapcheck's whole 100,000-control check as
# ratios to PyYAML's CSafeLoader merely loading the same 25 files, measured side by side in
# one run (rounds interleaved; the fastest of each is kept).
#
#   PYTHON=/path/to/venv/bin/python benches/yaml_parsers.sh     # a venv with pyyaml
#   ROUNDS=5 ... ; BEFORE=/path/to/older/gapcheck ...             # optional
#
# Needs: cargo, python3 with PyYAML built against libyaml. The parsers run on one thread;
# the whole check (`gapcheck check check-100k.yaml -c catalog-100k -f json`) uses both cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
rounds=${ROUNDS:-3}

cargo build --release --quiet
bin() { cargo bench --bench "$1" --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*\))$/\1/p' | tail -n 1; }
scale=$(bin scale)
parsers=$(bin yaml_parsers)
gapcheck=$(dirname "$(dirname "$scale")")/gapcheck

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$scale" generate "$work" >/dev/null
files=("$work"/catalog-100k/*.yaml)
bytes=$(cat "${files[@]}" | wc -c)

echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ${#files[@]} files, $bytes bytes; $rounds interleaved rounds, fastest kept"

check() {
    local g=$1 start end
    start=$(date +%s.%N)
    "$g" check "$work/check-100k.yaml" -c "$work/catalog-100k" -f json --fail-on never >"$work/out.json"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

best_py=inf
best_check=inf
best_before=inf
: >"$work/parsers"
for _ in $(seq "$rounds"); do
    t=$("$python" benches/yaml_pyyaml.py 1 "${files[@]}")
    best_py=$(python3 -c "print(min(float('$best_py'), $t))")
    "$parsers" --rounds 1 "${files[@]}" | grep -v '^#' >>"$work/parsers"
    t=$(check "$gapcheck")
    best_check=$(python3 -c "print(min(float('$best_check'), $t))")
    if [ -n "${BEFORE:-}" ]; then
        t=$(check "$BEFORE")
        best_before=$(python3 -c "print(min(float('$best_before'), $t))")
    fi
done

python3 - "$work/parsers" "$best_py" "$best_check" "$best_before" "$bytes" <<'PY'
import sys
path, py, check, before, nbytes = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
best = {}
for line in open(path):
    name, secs = line.split()[0], float(line.split()[1])
    best[name] = min(best.get(name, secs), secs)
rows = [("PyYAML CSafeLoader (load)", py)] + list(best.items())
rows.append(("gapcheck check 100k -f json (process, 2 cores)", check))
if before != float("inf"):
    rows.append(("BEFORE gapcheck check 100k -f json", before))
print(f"{'what':<48} {'seconds':>8} {'MB/s':>8} {'÷ CSafeLoader':>14}")
for name, s in rows:
    print(f"{name:<48} {s:8.3f} {nbytes / 1e6 / s:8.1f} {s / py:14.3f}")
g = best.get("granit")
if g:
    print(f"whole check ÷ granit events (one core): {check / g:.2f}")
    print(f"tree-events ÷ granit events: {best['tree-events'] / g:.2f}; tree-serde ÷ serde-ignored: {best['tree-serde'] / best['serde-ignored']:.2f}")
PY
