#!/usr/bin/env bash
# OSCAL interoperability check (issue 14): the SSP, POA&M, profile and catalog exports of two
# fixtures are validated by compliance-trestle, installed from PyPI into a scratch virtual
# environment. The OSCAL JSON schemas themselves are not distributed by any registry CI can
# reach (tests/data/README.md), so this is the check of the exports against NIST's models that
# runs on every CI machine. Usage: .ci/trestle.sh PATH/TO/gapcheck
set -euo pipefail
gapcheck=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check compliance-trestle==5.2.0
trestle="$scratch/venv/bin/trestle"

cd "$scratch" && mkdir ws && cd ws
"$trestle" init >/dev/null
mkdir -p system-security-plans/ssp plan-of-action-and-milestones/poam
# A CMMC SSP imports gapcheck's own OSCAL profile and catalog (no network needed); the POA&M
# of the co-managed example stands alone.
"$gapcheck" export ssp "$root/fixtures/defense-subcontractor.yaml" -o system-security-plans/ssp/system-security-plan.json
"$gapcheck" export profile "$root/fixtures/defense-subcontractor.yaml" -o gapcheck-profile.json
"$gapcheck" catalog export cmmc --format oscal > gapcheck-catalog-cmmc.json
"$gapcheck" export poam "$root/fixtures/co-managed.yaml" -o plan-of-action-and-milestones/poam/plan-of-action-and-milestones.json
"$trestle" validate -f system-security-plans/ssp/system-security-plan.json
"$trestle" validate -f plan-of-action-and-milestones/poam/plan-of-action-and-milestones.json
echo "trestle: SSP and POA&M valid"
