#!/usr/bin/env bash
# Runs gapcheck on every bad input and on the largest inputs its limits allow, printing the
# wall time and peak memory (max RSS) of each run. Fails if any run takes more than
# MAX_SECONDS (default 5) or MAX_MB (default 256), exits other than expected, or panics.
# tests/hostile_input.rs asserts what the runs print; this script measures what they cost,
# which a test cannot assert without becoming flaky.
#
#   benches/hostile.sh                          builds the release binary, then measures
#   GAPCHECK=/path/to/gapcheck benches/hostile.sh
#
# Needs GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_SECONDS=${MAX_SECONDS:-5}
MAX_MB=${MAX_MB:-256}

if [[ ! -x /usr/bin/time ]]; then
  echo "benches/hostile.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi
if [[ -z "${GAPCHECK:-}" ]]; then
  cargo build --release --locked --quiet
  GAPCHECK="${CARGO_TARGET_DIR:-target}/release/gapcheck"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Inputs too big or too strange to commit.
truncate -s 300M "$work/huge.yaml" # sparse: 300 MB long, no disk used
mkdir "$work/loop"
cp fixtures/catalogs/reasons.yaml "$work/loop/"
ln -s . "$work/loop/again"
ln -s self.yaml "$work/loop/self.yaml"
ln -s missing.yaml "$work/loop/dangling.yaml"
tools() { # N comma-separated scalars
  yes t | head -n "$1" | paste -sd, -
}
arrangement_with_tools() { # N
  printf 'gapcheck: 1\norganization: {name: Big Co}\nmodel: managed\nframeworks: [service-model]\n'
  printf 'providers:\n  msp: {kind: msp, tooling: [%s]}\n' "$(tools "$1")"
}
arrangement_with_tools 250001 >"$work/too-many-nodes.yaml"
header='gapcheck: 1\norganization: {name: Big Co}\nmodel: managed\nframeworks: [service-model]\n'
{ # 60,000 unknown capabilities: 60,000 messages, each with a "did you mean" search.
  printf "$header"'providers:\n  msp: {kind: msp}\nresponsibilities:\n'
  seq 60000 | sed 's/.*/  x&: {owner: msp}/'
} >"$work/many-errors.yaml"
{ # A 10 MB unknown keyword: no "did you mean" table the size of its square.
  printf "$header"'providers:\n  msp: {kind: msp, coverage: '
  head -c 10000000 /dev/zero | tr '\0' x
  printf '}\n'
} >"$work/long-word.yaml"
# The largest inputs the limits accept: they must load just as quickly.
arrangement_with_tools 249000 >"$work/near-node-limit.yaml"
{ # 16 MB in a comment: names and free text that reports repeat are capped (issue 11).
  printf 'gapcheck: 1\norganization: {name: Big Co}\n# '
  head -c 16000000 /dev/zero | tr '\0' x
  printf '\nmodel: managed\nframeworks: [service-model]\nproviders:\n  msp: {kind: msp}\n'
} >"$work/near-size-limit.yaml"
{ # A 1 MiB organization name: once a 100 MB HTML report, now refused.
  printf 'gapcheck: 1\norganization: {name: "'
  head -c 1048576 /dev/zero | tr '\0' x
  printf '"}\nmodel: managed\nframeworks: [service-model]\nproviders:\n  msp: {kind: msp}\n'
} >"$work/long-name.yaml"

# Amplifiers (issue 11): small files that used to make gapcheck multiply its work.
managed=fixtures/managed.yaml
exceptions() { # N PATTERN
  cat "$managed"
  for _ in $(seq "$1"); do
    printf "  - pattern: '%s'\n    reason: r\n    owner: o\n    expires: 2027-03-31\n" "$2"
  done
}
exceptions 2000 '^x\w{1,20}$' >"$work/regex-2000.yaml"
exceptions 2000 '\w{1,100}' >"$work/regex-refused-2000.yaml"
exceptions 3 '^x\w{1,20}$' >"$work/regex-within-budget.yaml"
{ # The largest exception list allowed, each with the longest reason allowed.
  cat "$managed"
  reason=$(head -c 2048 /dev/zero | tr '\0' r)
  for _ in $(seq 999); do
    printf '  - control: nist-800-53-conmon:CA-7(1)\n    reason: %s\n    owner: o\n    expires: 2027-03-31\n' "$reason"
  done
} >"$work/exceptions-1000.yaml"
{ # The fixture's exception with a 1 MiB reason (moved after its other keys).
  sed '/reason: Independent assessor/d' "$managed"
  printf '    reason: '
  head -c 1048576 /dev/zero | tr '\0' r
  printf '\n'
} >"$work/reason-1mib.yaml"
oscal_nested() { # LEVELS FANOUT
  printf '{"catalog": {"metadata": {"title": "Nested"}, "params": ['
  for ((i = 0; i < $1; i++)); do
    printf '{"id": "p%d", "select": {"choice": [' "$i"
    for ((j = 0; j < $2; j++)); do
      if ((j > 0)); then printf ', '; fi
      printf '"x {{ insert: param, p%d }}"' $((i + 1))
    done
    printf ']}}, '
  done
  printf '{"id": "p%d", "label": "v"}], "groups": [{"id": "g", "title": "G", "controls": [' "$1"
  printf '{"id": "c-1", "title": "C", "parts": [{"name": "statement", "prose": "{{ insert: param, p0 }}"}]}]}]}}\n'
}
oscal_nested 8 40 >"$work/oscal-nested.json"
oscal_nested 3 40 >"$work/oscal-nested-within.json"
oscal_prose() { # PROSE
  printf '{"catalog": {"metadata": {"title": "Links"}, "groups": [{"id": "g", "title": "G", "controls": [{"id": "c-1", "title": "C", "parts": [{"name": "statement", "prose": "%s"}]}]}]}}\n' "$1"
}
oscal_prose "$(head -c 400000 /dev/zero | tr '\0' '[')" >"$work/oscal-brackets.json"
oscal_prose "$(yes '[a](x' | head -n 100000 | tr -d '\n')" >"$work/oscal-unclosed-links.json"
# The report size budget (16 MiB + 32 x input): a user catalog of 3,000 minimal controls, all
# waived by one catch-all exception with the longest reason allowed (a 9.6 MB HTML report
# from 345 KB of input, within the budget).
{
  printf 'catalog:\n  id: big\n  title: Big\n  version: "1"\ncontrols:\n'
  for ((i = 0; i < 3000; i++)); do
    printf '  - id: B-%d\n    title: t\n    citation: c\n    statement: s\n    severity: low\n    requires: {capability: backup}\n' "$i"
  done
} >"$work/big-catalog.yaml"
{
  sed -n '/^frameworks:/q;p' "$managed"
  printf 'frameworks: [big]\n'
  sed -n '/^providers:/,/^exceptions:/p' "$managed" | sed '$d'
  printf "exceptions:\n  - pattern: '.*'\n    allow_broad: true\n    reason: %s\n    owner: o\n    expires: 2027-03-31\n" \
    "$(head -c 2048 /dev/zero | tr '\0' r)"
} >"$work/big-waived.yaml"
# A portfolio of 100 arrangements written to a directory, twice (the second run swaps).
mkdir "$work/clients"
for i in $(seq -w 1 100); do cp fixtures/clinic.yaml "$work/clients/c$i.yaml"; done

failures=0
printf '%-58s %7s %7s %5s\n' CASE SECONDS MB EXIT
measure() { # name expected-exit-codes gapcheck-args...
  local name=$1 expected=$2
  shift 2
  local code=0
  /usr/bin/time -f '%e %M' -o "$work/time" "$GAPCHECK" "$@" >/dev/null 2>"$work/stderr" || code=$?
  local seconds kb mb verdict=""
  # GNU time puts "Command exited with non-zero status N" before the figures.
  read -r seconds kb < <(tail -n 1 "$work/time")
  mb=$((kb / 1024))
  if awk -v s="$seconds" -v max="$MAX_SECONDS" 'BEGIN { exit !(s > max) }'; then
    verdict+=" too slow"
  fi
  if ((mb > MAX_MB)); then verdict+=" too much memory"; fi
  if [[ " $expected " != *" $code "* ]]; then verdict+=" exit $code, expected $expected"; fi
  if grep -q panicked "$work/stderr"; then verdict+=" panicked"; fi
  printf '%-58s %7s %7s %5s%s\n' "$name" "$seconds" "$mb" "$code" "${verdict:+  FAIL:$verdict}"
  if [[ -n $verdict ]]; then failures=$((failures + 1)); fi
}

for f in fixtures/bad/*.yaml; do
  measure "$f" 2 check "$f" --today 2026-01-01
done
for f in fixtures/bad/catalogs/*; do
  measure "$f" 2 catalog validate "$f"
done
measure "300 MB file (arrangement)" 2 check "$work/huge.yaml"
measure "300 MB file (catalog)" 2 catalog validate "$work/huge.yaml"
measure "catalog directory with symlink loops" 2 catalog validate "$work/loop"
measure "250,001 nodes" 2 check "$work/too-many-nodes.yaml"
measure "60,000 errors in one file" 2 check "$work/many-errors.yaml"
measure "10 MB unknown keyword" 2 check "$work/long-word.yaml"
if [[ -e /dev/zero && -e /proc/self/mem ]]; then
  measure "endless stream (/dev/zero)" 2 check /dev/zero
  measure "unreadable file (/proc/self/mem)" 2 check /proc/self/mem
fi
measure "249,000 nodes (within limits)" "0 1" check "$work/near-node-limit.yaml"
measure "16 MB comment (within limits)" "0 1" check "$work/near-size-limit.yaml"
measure "1 MiB organization name" 2 check "$work/long-name.yaml"
measure "2,000 exception patterns of ~1 MB each" 2 check "$work/regex-2000.yaml"
measure "2,000 refused exception patterns" 2 check "$work/regex-refused-2000.yaml"
measure "3 patterns of ~1 MB (within the regex budget)" "0 1" check "$work/regex-within-budget.yaml"
measure "1,000 exceptions, 2 KiB reasons (within limits)" "0 1" check "$work/exceptions-1000.yaml" -f json
measure "1 MiB exception reason" 2 check "$work/reason-1mib.yaml" -f json
measure "3,000 waived controls, every format (report budget)" "0 1" check "$work/big-waived.yaml" -c "$work/big-catalog.yaml" -o "$work/big.html" -o "$work/big.json" -o "$work/big.md" -o "$work/big.sarif" -o "$work/big.xml"
measure "OSCAL: parameters nested 8 x 40" 2 catalog import "$work/oscal-nested.json"
measure "OSCAL: parameters nested 3 x 40 (within budget)" 0 catalog import "$work/oscal-nested-within.json"
measure "OSCAL: 400 KB of [" "0 2" catalog import "$work/oscal-brackets.json"
measure "OSCAL: 100,000 unclosed links" "0 2" catalog import "$work/oscal-unclosed-links.json"
measure "portfolio of 100 written to a directory" "0 1" check "$work/clients" -o "$work/out/"
measure "portfolio of 100 rewritten (swap)" "0 1" check "$work/clients" -o "$work/out/"

if ((failures > 0)); then
  echo "hostile.sh: $failures case(s) over ${MAX_SECONDS}s / ${MAX_MB} MB or wrong" >&2
  exit 1
fi
echo "hostile.sh: every case within ${MAX_SECONDS}s and ${MAX_MB} MB"
