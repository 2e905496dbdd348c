#!/usr/bin/env bash
# Regenerates migration 0001 from monitor/models.py. Only while nothing is released: once a
# schema ships, add a new revision instead (`alembic revision --autogenerate`).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f monitor/storage/migrations/versions/0001_initial.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from monitor.db import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PY
mv monitor/storage/migrations/versions/0001_initial_schema.py monitor/storage/migrations/versions/0001_initial.py
rm -rf "$tmp"
echo "regenerated monitor/storage/migrations/versions/0001_initial.py"
