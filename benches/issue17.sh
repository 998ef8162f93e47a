#!/usr/bin/env bash
# Every issue 17 target in one run, each script measuring its ratio side by side with the
# binaries named in BEFORE (space-separated; the first is the issue's "before"). On an idle
# machine this takes about fifteen minutes; BENCHMARKS.md's "Round three" gives its output.
#
#   BEFORE="/path/to/8171d2f/gapcheck /path/to/6451bb6/gapcheck" \
#   PYTHON=/path/to/venv-with-pyyaml/bin/python TRESTLE_VENV=/path/to/venv-with-trestle \
#       benches/issue17.sh
#
# Needs what the five scripts need: cargo, python3, GNU time, valgrind (optional), PyYAML
# built with libyaml (for yaml_parsers.sh) and compliance-trestle (for oscal_import.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
before=${BEFORE:-}
last=${before##* }

echo "######## start-up (targets: co-managed ≤ 3×, every built-in ≤ 6× --version)"
BEFORE="$before" RUNS=${RUNS:-200} benches/startup.sh
echo "######## portfolio (targets: 1,000 clients ≤ 150 MB and ≤ ½ the wall time of before)"
BEFORE="$before" RUNS=1 benches/portfolio.sh
echo "######## 100,000 controls to JSON (target: ≤ 250 MB peak)"
BEFORE="$last" RUNS=3 benches/memory.sh
echo "######## OSCAL import (target: ≥ 50× faster than trestle validate)"
BEFORE="$last" RUNS=20 benches/oscal_import.sh
echo "######## the parse floor (targets: ≤ 0.06× CSafeLoader, ≤ 1.5× the parser's own parse)"
BEFORE="$last" ROUNDS=2 benches/yaml_parsers.sh
