#!/usr/bin/env bash
# Runs checkov (PyPI, pinned, in its own venv under .venv/tools) over every CloudFormation template
# of a cloud assembly. Exits non-zero on any failed check that is not acknowledged. Findings are
# acknowledged in code, next to the construct, with lib/checkov.ts (Metadata `checkov.skip` with a
# reason); there is deliberately no global skip list, so a new resource is always checked.
# Usage: scripts/checkov.sh [cloud assembly dir, default cdk.out]   (synthesize first)
set -euo pipefail

CHECKOV_VERSION=3.3.30
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
assembly="${1:-$root/cdk.out}"

shopt -s nullglob
templates=("$assembly"/*.template.json)
if [[ ${#templates[@]} -eq 0 ]]; then
  echo "checkov: no templates in $assembly; run 'npx cdk synth' first" >&2
  exit 1
fi

bin="$(bash "$root/scripts/python-tool.sh" checkov "$CHECKOV_VERSION")"
echo "checkov $CHECKOV_VERSION on ${#templates[@]} template(s) in $assembly"
args=(--framework cloudformation --quiet --compact --skip-download)
for template in "${templates[@]}"; do args+=(--file "$template"); done
# --quiet prints only failed checks; the summary line says how many were acknowledged (skipped).
"$bin/checkov" "${args[@]}"
echo "checkov: no unacknowledged findings"
