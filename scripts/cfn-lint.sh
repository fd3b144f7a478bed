#!/usr/bin/env bash
# Lints every CloudFormation template in a cloud assembly with cfn-lint (from PyPI, in .venv).
# Usage: scripts/cfn-lint.sh [cloud assembly dir, default cdk.out]
# Synthesize first (npx cdk synth). Exits non-zero on any cfn-lint error; warnings are printed
# but do not fail (the one known warning, W3005, is a redundant DependsOn inside a CDK-generated
# custom resource provider that our code cannot change).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
assembly="${1:-$root/cdk.out}"
venv="$root/.venv"

if [[ ! -x "$venv/bin/cfn-lint" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cfn-lint
fi

shopt -s nullglob
templates=("$assembly"/*.template.json)
if [[ ${#templates[@]} -eq 0 ]]; then
  echo "cfn-lint: no templates in $assembly; run 'npx cdk synth' first" >&2
  exit 1
fi

echo "cfn-lint $("$venv/bin/cfn-lint" --version | awk '{print $2}') on ${#templates[@]} template(s) in $assembly"
"$venv/bin/cfn-lint" --format parseable --non-zero-exit-code error -- "${templates[@]}"
echo "cfn-lint: no errors"
