#!/usr/bin/env bash
# Regenerate requirements.lock: every package of a fresh `pip install -e ".[dev,train]"` on
# Python 3.11, pinned. `make test` installs with it as constraints, and scripts/audit.py audits it.
# The local build label of the CPU torch wheel is dropped (torch==2.13.0 matches 2.13.0+cpu).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q -e ".[dev,train]"
{
  echo "# Locked dependencies of brand-scout[dev,train] on Python 3.11 (scripts/lock.sh; audited by scripts/audit.py)."
  echo "# Used as constraints by 'make test'; runtime installs ('make demo', the Docker image) take the subset they need."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | sed -E 's/^(torch==[^+]+)\+.*/\1/' | LC_ALL=C sort -f
} > requirements.lock
echo "wrote requirements.lock ($(grep -c '==' requirements.lock) packages)"
