#!/usr/bin/env bash
# Issue 17's OSCAL target as a ratio measured in one run: `gapcheck catalog import` of NIST's
# SP 800-53 rev5 HIGH catalog (OSCAL JSON, tests/data/; written with -o, which fsyncs, and to
# stdout, which does not) against compliance-trestle on the
# same file, whole processes, interleaved round by round so load on the shared machine hits
# every command alike; the median of each is reported. Two trestle sides:
#   - `trestle validate -f catalogs/nist-high/catalog.json` in a scratch trestle workspace
#     (the CLI the issue names: load, pydantic validation, trestle's registered validators);
#   - `python benches/trestle_load.py FILE` (load + pydantic validation only, no CLI).
# When valgrind is installed, callgrind instruction counts (which do not drift) follow.
#
#   benches/oscal_import.sh                          # RUNS=30 per command by default
#   RUNS=10 GAPCHECK=/path/to/gapcheck benches/oscal_import.sh
#   BEFORE=/path/to/old/gapcheck benches/oscal_import.sh   # old binary side by side too
#   TRESTLE_VENV=/path/to/venv benches/oscal_import.sh     # default /tmp/trestle-venv
#
# Needs: cargo, python3, a virtual environment with compliance-trestle (5.2.0 measured);
# valgrind optional.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-30}
venv=${TRESTLE_VENV:-/tmp/trestle-venv}
input="$root/tests/data/nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"

if [ -z "${GAPCHECK:-}" ]; then
    cargo build --release --quiet
    GAPCHECK="$root/target/release/gapcheck"
fi
[ -x "$GAPCHECK" ] || { echo "oscal_import.sh: $GAPCHECK not found" >&2; exit 1; }
[ -x "$venv/bin/trestle" ] || {
    echo "oscal_import.sh: no trestle in $venv (python3 -m venv $venv && $venv/bin/pip install compliance-trestle==5.2.0)" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && mkdir ws && cd ws && "$venv/bin/trestle" init >/dev/null &&
    mkdir -p catalogs/nist-high && cp "$input" catalogs/nist-high/catalog.json)

echo "== machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo
uptime
echo "binary: $GAPCHECK${BEFORE:+; before: $BEFORE}"
echo "input: $input ($(wc -c <"$input") bytes)"

# Both sides must agree before anything is timed.
"$GAPCHECK" catalog import "$input" -o "$work/high.yaml" --id nist-high
(cd "$work/ws" && "$venv/bin/trestle" validate -f catalogs/nist-high/catalog.json)
"$venv/bin/python" benches/trestle_load.py "$input"

python3 - "$runs" "$work" "$input" "$GAPCHECK" "$venv" "${BEFORE:-}" <<'EOF'
import os, statistics, subprocess, sys, time
runs, work, input_, gapcheck, venv, before = sys.argv[1:]
runs = int(runs)
cmds = {
    "gapcheck catalog import": ([gapcheck, "catalog", "import", input_, "-o",
                                 f"{work}/high.yaml", "--id", "nist-high"], None),
    "gapcheck catalog import > stdout": ([gapcheck, "catalog", "import", input_, "--id",
                                          "nist-high"], None),
    "trestle validate (CLI)": ([f"{venv}/bin/trestle", "validate", "-f",
                                "catalogs/nist-high/catalog.json"], f"{work}/ws"),
    "trestle_load.py (load+validate)": ([f"{venv}/bin/python", "benches/trestle_load.py",
                                         input_], None),
}
if before:
    cmds["before: gapcheck catalog import"] = ([before, "catalog", "import", input_, "-o",
                                                f"{work}/high-before.yaml", "--id", "nist-high"], None)
times = {n: [] for n in cmds}
rounds = min(runs, 10)
for _ in range(rounds):
    for name, (cmd, cwd) in cmds.items():
        for _ in range(max(1, runs // rounds)):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
            times[name].append(time.perf_counter() - t)
g = statistics.median(times["gapcheck catalog import"])
print(f"\n== wall time, median of {len(times['gapcheck catalog import'])} runs each (interleaved)")
for name, ts in times.items():
    m = statistics.median(ts)
    print(f"{name:<36} {m * 1000:9.1f} ms  {m / g:6.1f}x gapcheck")
if before:
    assert open(f"{work}/high.yaml", "rb").read() == open(f"{work}/high-before.yaml", "rb").read(), \
        "before and after wrote different catalogs"
    print("before and after wrote byte-identical catalogs")
EOF

if command -v valgrind >/dev/null; then
    echo
    echo "== callgrind instructions (user space)"
    for bin in ${BEFORE:-} "$GAPCHECK"; do
        n=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" catalog import \
            "$input" -o "$work/high.yaml" --id nist-high 2>&1 >/dev/null |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
        printf '%-60s %14s\n' "$bin" "$n"
    done
fi
