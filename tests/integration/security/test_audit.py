"""``scripts/audit.py`` against a fake PyPI JSON API on 127.0.0.1, and the lock file it audits.

The fake answers like PyPI (``/pypi/NAME/VERSION/json`` and ``/pypi/NAME/json``, each with a
``vulnerabilities`` list in the advisory-database shape); one package's per-release endpoint is
refused with 404, as the registry proxy of our build machines does.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.server import FakeServer, Reply, Request, json_reply

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "audit.py"

VULN = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001", "GHSA-xxxx-yyyy-zzzz"],
    "details": "remote code execution",
    "fixed_in": ["1.0.1"],
    "link": "https://osv.dev/vulnerability/PYSEC-2099-1",
    "summary": None,
    "withdrawn": None,
}
WITHDRAWN = {**VULN, "id": "PYSEC-2099-2", "aliases": [], "withdrawn": "2099-01-02T00:00:00Z"}

# name -> (newest release, {version: vulnerabilities}); versions missing from the dict 404 per release
INDEX: dict[str, tuple[str, dict[str, list[dict[str, Any]]]]] = {
    "badpkg": ("1.0.1", {"1.0.0": [VULN], "1.0.1": []}),
    "goodpkg": ("2.0.0", {"2.0.0": [WITHDRAWN]}),
    "proxied": ("3.1.0", {}),  # per-release endpoint refused; locked == newest
    "stale": ("5.0.0", {}),  # per-release endpoint refused; locked < newest: cannot be audited
    "torch": ("2.13.0", {"2.13.0": []}),
}


@pytest.fixture
def pypi() -> Any:
    server = FakeServer()

    def release(req: Request) -> Reply:
        name, version = req.groups
        _newest, versions = INDEX.get(name, ("", {}))
        if version not in versions:
            return Reply(404, b"Not Found")
        return json_reply({"info": {"name": name, "version": version}, "vulnerabilities": versions[version]})

    def project(req: Request) -> Reply:
        (name,) = req.groups
        if name not in INDEX:
            return Reply(404, b"Not Found")
        newest, versions = INDEX[name]
        return json_reply({"info": {"name": name, "version": newest}, "releases": {}, "vulnerabilities": versions.get(newest, [])})

    server.route("GET", r"/pypi/([^/]+)/([^/]+)/json", release)
    server.route("GET", r"/pypi/([^/]+)/json", project)
    server.start()
    yield server
    server.stop()


def run_audit(lock: Path, index: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(lock), "--index", index, "--timeout", "5", *extra],
        capture_output=True, text=True, timeout=60,
    )


def write_lock(tmp_path: Path, *pins: str) -> Path:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# test lock\n" + "\n".join(pins) + "\n", encoding="utf-8")
    return lock


def test_a_vulnerable_pin_fails_and_names_the_advisory(pypi: Any, tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "badpkg==1.0.0", "goodpkg==2.0.0", "Proxied==3.1.0", "torch==2.13.0+cpu")
    report = tmp_path / "report.json"
    res = run_audit(lock, f"{pypi.url}/pypi", "--json", str(report))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "4 locked packages, 4 audited (3 by release, 1 as the newest release), 0 not audited, 1 known" in res.stdout
    assert "VULNERABLE badpkg 1.0.0: PYSEC-2099-1 (fixed in 1.0.1)" in res.stdout
    assert "PYSEC-2099-2" not in res.stdout  # withdrawn advisories do not count
    rows = {r["name"]: r for r in json.loads(report.read_text())}
    assert rows["badpkg"]["vulns"] == ["PYSEC-2099-1"]
    assert rows["Proxied"]["source"] == "newest release"
    # the local label of the CPU torch build is stripped before asking the index
    assert any(r.path == "/pypi/torch/2.13.0/json" for r in pypi.requests)


def test_the_fixed_release_passes_and_an_ignored_advisory_is_accepted(pypi: Any, tmp_path: Path) -> None:
    assert run_audit(write_lock(tmp_path, "badpkg==1.0.1"), f"{pypi.url}/pypi").returncode == 0
    # by id or by any alias
    for ignore in ("PYSEC-2099-1", "CVE-2099-0001"):
        res = run_audit(write_lock(tmp_path, "badpkg==1.0.0"), f"{pypi.url}/pypi", "--ignore", ignore)
        assert res.returncode == 0, res.stdout
        assert "0 known vulnerabilities" in res.stdout


def test_a_pin_that_cannot_be_audited_is_listed_and_fails_only_when_strict(pypi: Any, tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "goodpkg==2.0.0", "stale==4.0.0", "unknown-pkg==1.0")
    res = run_audit(lock, f"{pypi.url}/pypi")
    assert res.returncode == 0, res.stdout
    assert "1 audited" in res.stdout and "2 not audited" in res.stdout
    assert "not audited: stale 4.0.0: per-release endpoint answered 404; newest release is 5.0.0" in res.stdout
    assert "not audited: unknown-pkg 1.0: not on the index" in res.stdout
    assert run_audit(lock, f"{pypi.url}/pypi", "--strict").returncode == 3


def test_a_server_error_is_retried(pypi: Any, tmp_path: Path) -> None:
    pypi.faults_on(r"/pypi/[^/]+/[^/]+/json")
    pypi.inject("500", times=2)
    res = run_audit(write_lock(tmp_path, "badpkg==1.0.0"), f"{pypi.url}/pypi")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "VULNERABLE badpkg 1.0.0" in res.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requests>=2\n", "expected 'name==version'"),
        ("-e .\n", "only 'name==version' lines are allowed"),
        ("# nothing\n", "no pinned packages"),
    ],
)
def test_a_bad_lock_file_is_refused_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    lock = tmp_path / "bad.lock"
    lock.write_text(text, encoding="utf-8")
    res = run_audit(lock, "http://127.0.0.1:9/pypi")
    assert res.returncode == 2
    assert str(lock) in res.stderr and message in res.stderr


def _name(req: str) -> str:
    m = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req)
    assert m, req
    return re.sub(r"[-_.]+", "-", m.group(0)).lower()


def test_the_lock_pins_every_declared_dependency() -> None:
    """requirements.lock covers pyproject's dependencies and the extras `make test` installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"] + project["optional-dependencies"]["train"]
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"unpinned line in requirements.lock: {line!r}"
            pins[_name(name)] = version
    missing = sorted({_name(d) for d in declared} - set(pins))
    assert not missing, f"requirements.lock lacks {missing}: run `make lock`"
    assert pins["torch"] == "2.13.0"
