#!/usr/bin/env bash
# Issue 17's start-up targets as ratios measured in one run: a check of one fixture against
# `gapcheck --version` (target ≤ 3×), and one arrangement selecting every built-in catalog
# with HTML + JSON + SARIF (target ≤ 6×). Whole processes, interleaved round by round so
# load on the shared machine hits every command alike; the median of each is reported.
# When valgrind is installed, callgrind instruction counts (which do not drift with load)
# are printed too.
#
#   benches/startup.sh                 # RUNS=200 per command by default
#   RUNS=50 GAPCHECK=/path/to/gapcheck benches/startup.sh
#   BEFORE=/path/to/old/gapcheck benches/startup.sh   # instruction counts of both
#   BEFORE="/path/a /path/b" benches/startup.sh       # several older binaries
#
# Needs: cargo, python3; valgrind optional.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-200}

# The scale generator writes the all-builtins arrangement BENCHMARKS.md has always used.
. benches/common.sh
bench_setup startup.sh
mkdir "$work/out"
"$scale" generate-portfolio "$work" 0

bench_machine
echo "binary: $GAPCHECK"

version="$GAPCHECK --version"
fixture="$GAPCHECK check fixtures/co-managed.yaml -f json --fail-on never"
every="$GAPCHECK check $work/all-builtins.yaml -f json -o $work/out/r.html -o $work/out/r.sarif --fail-on never"

# BEFORE may name several binaries (space-separated): their all-builtins run is timed in
# the same interleaved rounds, so the ratios compare like with like.
befores=()
for b in ${BEFORE:-}; do
    befores+=("$b check $work/all-builtins.yaml -f json -o $work/out/r.html -o $work/out/r.sarif --fail-on never")
done

python3 - "$runs" "$version" "$fixture" "$every" "${befores[@]}" <<'EOF'
import shlex, statistics, subprocess, sys, time
runs = int(sys.argv[1])
names = ["--version", "check co-managed -f json", "every built-in, JSON+HTML+SARIF"]
names += [f"before {shlex.split(c)[0][-24:]}: every built-in" for c in sys.argv[5:]]
cmds = [shlex.split(c) for c in sys.argv[2:]]
times = {n: [] for n in names}
rounds = 10
for _ in range(rounds):
    for name, cmd in zip(names, cmds):
        for _ in range(max(1, runs // rounds)):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t)
base = statistics.median(times[names[0]])
print(f"\n== wall time, median of {len(times[names[0]])} runs each (interleaved)")
for name in names:
    m = statistics.median(times[name])
    print(f"{name:<40} {m * 1000:8.2f} ms  {m / base:5.2f}x --version")
EOF

if command -v valgrind >/dev/null; then
    echo
    echo "== callgrind instructions (user space)${BEFORE:+; before = $BEFORE}"
    for args in "--version" "check fixtures/co-managed.yaml -f json --fail-on never" \
        "check $work/all-builtins.yaml -f json -o $work/out/r.html -o $work/out/r.sarif --fail-on never"; do
        line=$(printf '%-32.32s' "${args%% -*}")
        for bin in ${BEFORE:-} "$GAPCHECK"; do
            # shellcheck disable=SC2086
            n=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" $args 2>&1 >/dev/null |
                sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
            line="$line $(printf '%14s' "$n")"
        done
        echo "$line"
    done
fi
