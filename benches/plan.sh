#!/usr/bin/env bash
# Rendering Markdown/HTML from the plan (src/output/report/plan.rs) instead of handlebars'
# interpreter: callgrind instruction counts (per thread) of the every-built-in check with
# HTML + JSON + SARIF and of a 20-client portfolio `-o OUT/`, for BEFORE (an older binary)
# and this one; then the output identity of the two binaries: every fixture × every format
# (plus --paper a4, --evidence, --baseline and a --template-dir override), stdout, stderr
# and exit codes, and a 250-client portfolio (`diff -r`), with SOURCE_DATE_EPOCH=0.
#
#   BEFORE=/path/to/old/gapcheck benches/plan.sh
#   SKIP_CALLGRIND=1 BEFORE=… benches/plan.sh     # identity only
#
# Needs: cargo, valgrind (for the counts).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${BEFORE:?BEFORE must name the binary to compare with}"

. benches/common.sh
bench_setup plan.sh
"$scale" generate-portfolio "$work/p20" 20
"$scale" generate-portfolio "$work/p250" 250
export SOURCE_DATE_EPOCH=0
bench_machine

# Instructions of every thread of one command (callgrind --separate-threads=yes), summed,
# and the largest thread.
count() {
    rm -f "$work"/cg.out*
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg.out" "$@" \
        >/dev/null 2>&1 || true
    python3 - "$work" <<'EOF'
import glob, sys
counts = []
for f in glob.glob(sys.argv[1] + "/cg.out*"):
    for line in open(f):
        if line.startswith("summary:") or line.startswith("totals:"):
            counts.append(int(line.split()[1]))
            break
print(f"{sum(counts) / 1e6:10.1f} M total, {len(counts)} threads, largest {max(counts) / 1e6:.1f} M")
EOF
}

if [ -z "${SKIP_CALLGRIND:-}" ] && command -v valgrind >/dev/null; then
    echo
    echo "== callgrind instructions"
    for bin in "$BEFORE" "$GAPCHECK"; do
        rm -rf "$work/out" && mkdir "$work/out"
        printf '%-28s every built-in, JSON+HTML+SARIF: ' "$(basename "$bin")"
        count "$bin" check "$work/p20/all-builtins.yaml" -f json -o "$work/out/r.html" \
            -o "$work/out/r.sarif" --fail-on never
        rm -rf "$work/out"
        printf '%-28s 20-client portfolio -o OUT/:     ' "$(basename "$bin")"
        count "$bin" check "$work/p20/portfolio" -o "$work/out/" --fail-on never
    done
fi

echo
echo "== output identity with $BEFORE"
override=$work/override
mkdir -p "$override/partials"
printf '{{#each frameworks}}{{@index}}:{{title}}/{{../organization.name}}{{#unless @last}}, {{/unless}}{{/each}}\n{{len findings}}\n' \
    >"$override/partials/summary.md.hbs"
printf '<p>{{#if (eq model "managed")}}M{{else}}{{model}}{{/if}}</p>{{> extra}}\n' >"$override/partials/fit.html.hbs"
printf '<i>{{organization.name}}</i>\n' >"$override/partials/extra.html.hbs"
maps=(--evidence-map "$root/fixtures/evidence/maps/backup-job-log.yaml"
    --evidence-map "$root/fixtures/evidence/maps/patch-report.yaml"
    --evidence-map "$root/fixtures/evidence/maps/ticket-export.yaml")
for side in before after; do
    bin=$BEFORE
    [ "$side" = after ] && bin=$GAPCHECK
    out=$work/$side
    mkdir -p "$out"
    n=0
    run() { # name, args…
        local name=$1
        shift
        mkdir -p "$out/$name"
        (cd "$out/$name" && "$bin" "$@" >stdout 2>stderr; echo $? >rc) || true
        n=$((n + 1))
    }
    for f in "$root"/fixtures/*.yaml "$root"/fixtures/cases/*.yaml "$root"/fixtures/bad/*.yaml; do
        s=$(basename "$(dirname "$f")")-$(basename "$f" .yaml)
        run "$s" check "$f" -o r.md -o r.html -o r.json -o r.sarif -o r.xml -o r.csv --fail-on never
        run "$s-md" check "$f" -f markdown
        run "$s-a4" check "$f" -f html --paper a4
        run "$s-tpl" check "$f" -o r.md -o r.html --template-dir "$override"
    done
    run baseline check "$root/fixtures/clinic.yaml" -f markdown --baseline ../fixtures-clinic/r.json
    run baseline-html check "$root/fixtures/clinic.yaml" -f html --baseline ../fixtures-co-managed/r.json \
        --baseline-other-organization
    for e in passing failing; do
        run "evidence-$e" check "$root/fixtures/evidence/managed.yaml" --today 2026-11-30 \
            --evidence "$root/fixtures/evidence/$e" "${maps[@]}" -o r.md -o r.html -o r.json
    done
    run portfolio check "$work/p250/portfolio" -o out/ --fail-on never
    echo "$side: $n runs"
done
if diff -r "$work/before" "$work/after" >"$work/diff"; then
    echo "identical: every output, stdout, stderr and exit code ($(find "$work/after" -type f | wc -l) files)"
else
    echo "DIFFERENT:"
    head -50 "$work/diff"
    exit 1
fi
