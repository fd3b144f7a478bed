#!/usr/bin/env bash
# Installs a pinned Python tool from PyPI into its own virtual environment under .venv/tools/ (git
# ignored) on first use and prints the environment's bin directory. One environment per tool and
# version: checkov and schemathesis pin dependencies that would fight each other (and cfn-lint) in
# one environment, and a version bump gets a fresh environment instead of an upgrade in place.
# Usage: scripts/python-tool.sh PACKAGE VERSION   e.g. "$(scripts/python-tool.sh checkov 3.3.30)/checkov"
set -euo pipefail

package="${1:?usage: python-tool.sh PACKAGE VERSION}"
version="${2:?usage: python-tool.sh PACKAGE VERSION}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv/tools/$package-$version"

# The marker is written last, so an interrupted install is redone rather than half-used.
if [[ ! -f "$venv/.installed" ]]; then
  mkdir -p "$root/.venv/tools"
  # Two test processes may need the tool at once: one installs, the other waits for it.
  exec 9>"$root/.venv/tools/.install.lock"
  flock 9
  if [[ ! -f "$venv/.installed" ]]; then
    rm -rf "$venv"
    echo "Installing $package==$version from PyPI into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version" >&2
    touch "$venv/.installed"
  fi
  flock -u 9
fi
echo "$venv/bin"
