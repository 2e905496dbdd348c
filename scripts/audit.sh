#!/usr/bin/env bash
# Audit the installed environment for known vulnerabilities with pip-audit, using PyPI's JSON
# API as the vulnerability service (no other network access needed).
#
# Exit status: 0 = no known vulnerability; 1 = vulnerabilities found; 3 = nothing could be
# audited (e.g. every installed version comes from a local wheel mirror that PyPI does not know:
# pip-audit then reports "Dependency not found on PyPI" for each). Set AUDIT_STRICT=1 to make
# status 3 fail CI too.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
out=$(mktemp)
"$PY" -m pip_audit --vulnerability-service pypi --local --progress-spinner off --skip-editable -f json -o "$out" \
    2>/tmp/pip-audit.err
rc=$?
"$PY" - "$out" "$rc" <<'PY'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    data = json.load(open(path))
except Exception:
    print(f"pip-audit produced no report (exit {rc}); see /tmp/pip-audit.err"); sys.exit(1)
deps = data.get("dependencies", data if isinstance(data, list) else [])
vulns = [(d["name"], d["version"], v["id"]) for d in deps for v in d.get("vulns", [])]
skipped = [d["name"] for d in deps if d.get("skip_reason")]
audited = len(deps) - len(skipped)
print(f"pip-audit: {len(deps)} packages, {audited} audited, {len(skipped)} not found on PyPI, "
      f"{len(vulns)} known vulnerabilities")
for name, ver, vid in vulns:
    print(f"  {name} {ver}: {vid}")
sys.exit(1 if vulns else (3 if audited == 0 else 0))
PY
status=$?
rm -f "$out"
if [ "$status" = 3 ] && [ "${AUDIT_STRICT:-0}" != 1 ]; then
    echo "warning: nothing could be audited (installed versions unknown to PyPI)"; exit 0
fi
exit "$status"
