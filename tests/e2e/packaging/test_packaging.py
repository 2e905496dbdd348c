"""What a user installs: the wheel carries the model, the sample data, templates and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def test_wheel_contains_everything_the_service_reads(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                        str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("brand_scout-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "monitor/sample/mentions.jsonl",
        "monitor/storage/migrations/env.py",
        "monitor/storage/migrations/script.py.mako",
        "monitor/storage/migrations/versions/0001_initial.py",
        "monitor/web/templates/base.html",
        "monitor/digest/templates/email/weekly_digest.html.j2",
        "monitor/sentiment/model/model.onnx",
        "monitor/sentiment/model/tokenizer.json",
        "monitor/sentiment/model/config.json",
        "monitor/sentiment/model/encoder.onnx",  # names the category of a confidential post
        "monitor/sentiment/trainset/confidential.tsv",  # the confidentiality head is fitted on it at load
        "monitor/sentiment/trainset/brand.tsv",  # scout sentiment train's default brand set
        "connectors/x.py",
    ]
    missing = [n for n in expected if n not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert not any(n.startswith("tests/") for n in names)
    with zipfile.ZipFile(wheel) as zf:
        model_bytes = sum(i.file_size for i in zf.infolist() if i.filename.startswith("monitor/sentiment/model/"))
    assert model_bytes <= 50_000_000, f"the shipped model folder is {model_bytes / 1e6:.1f} MB (limit 50 MB)"
