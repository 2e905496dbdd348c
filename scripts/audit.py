#!/usr/bin/env python3
"""Known-vulnerability audit of the locked dependencies (``requirements.lock``).

Same data as ``pip-audit --vulnerability-service pypi``: the Python Packaging Advisory Database
as PyPI's JSON API serves it. For each ``name==version`` line of the lock file:

1. ``GET {index}/{name}/{version}/json``: the advisories for exactly that release (what pip-audit
   asks; where it answers, the audit is complete);
2. if that endpoint is unavailable (some networks' registry proxies answer 404 for it, this
   project's build machines among them), ``GET {index}/{name}/json``: the advisories PyPI lists
   for the project's newest release, which are the locked release's advisories exactly when the
   lock holds that newest release;
3. otherwise the package is reported as *not audited*, with the reason.

Withdrawn advisories are left out; ``--ignore ID`` (repeatable) accepts a known advisory.

Exit status: 0 no known vulnerability; 1 vulnerabilities found; 2 bad lock file or arguments;
3 some packages could not be audited and ``--strict`` was given (without ``--strict`` those are
reported and do not fail).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_INDEX = "https://pypi.org/pypi"
_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>[^\s;#]+)")


class LockError(ValueError):
    """A lock-file line that is not ``name==version``."""


@dataclass
class Result:
    name: str
    version: str
    source: str = ""  # "release", "newest release" or "" when not audited
    vulns: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def public_version(version: str) -> str:
    """``2.13.0+cpu`` -> ``2.13.0``: PyPI knows public versions only."""
    return version.split("+", 1)[0]


def parse_lock(path: Path) -> list[tuple[str, str]]:
    """The pinned ``(name, version)`` pairs of a requirements-style lock file."""
    pins: list[tuple[str, str]] = []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):  # pip options such as --hash continuation or -e are not pins
            raise LockError(f"{path}:{no}: only 'name==version' lines are allowed, got {raw.strip()!r}")
        m = _LINE.match(line)
        if m is None:
            raise LockError(f"{path}:{no}: expected 'name==version', got {raw.strip()!r}")
        pins.append((m["name"], m["version"]))
    if not pins:
        raise LockError(f"{path}: no pinned packages")
    return pins


def _get(url: str, timeout: float, attempts: int = 4) -> tuple[int, Any]:
    """``(status, json)``; 404 gives ``(404, None)``. Retries 429/5xx/network errors with backoff."""
    delay = 0.5
    for attempt in range(attempts):
        try:
            req = urllib.request.Request(url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return 404, None
            if (exc.code != 429 and exc.code < 500) or attempt == attempts - 1:
                return exc.code, None
        except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as exc:
            if attempt == attempts - 1:
                return 0, str(exc)
        time.sleep(delay)
        delay *= 2
    return 0, None  # pragma: no cover - the loop always returns


def _live(vulns: Any) -> list[dict[str, Any]]:
    return [v for v in vulns or [] if isinstance(v, dict) and not v.get("withdrawn")]


def audit_one(index: str, name: str, version: str, timeout: float) -> Result:
    res = Result(name, version)
    pub = public_version(version)
    status, data = _get(f"{index}/{canonical(name)}/{pub}/json", timeout)
    if status == 200 and isinstance(data, dict):
        res.source, res.vulns = "release", _live(data.get("vulnerabilities"))
        return res
    status2, data2 = _get(f"{index}/{canonical(name)}/json", timeout)
    if status2 != 200 or not isinstance(data2, dict):
        why = "not on the index" if status2 == 404 else f"index unreachable ({data2 or status2})"
        res.reason = why
        return res
    newest = str(data2.get("info", {}).get("version", ""))
    if newest == pub:
        res.source, res.vulns = "newest release", _live(data2.get("vulnerabilities"))
    else:
        res.reason = f"per-release endpoint answered {status}; newest release is {newest}, locked {pub}"
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lock", nargs="?", default="requirements.lock", type=Path)
    ap.add_argument("--index", default=DEFAULT_INDEX, help="PyPI JSON API base (default: %(default)s)")
    ap.add_argument("--ignore", action="append", default=[], metavar="ID", help="accept this advisory id")
    ap.add_argument("--strict", action="store_true", help="exit 3 when a package could not be audited")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = ap.parse_args(argv)
    try:
        pins = parse_lock(args.lock)
    except (LockError, OSError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    index = args.index.rstrip("/")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: audit_one(index, p[0], p[1], args.timeout), pins))

    ignored = set(args.ignore)
    found = [(r, v) for r in results for v in r.vulns if not ({v.get("id")} | set(v.get("aliases") or [])) & ignored]
    audited = [r for r in results if r.source]
    skipped = [r for r in results if not r.source]
    exact = sum(r.source == "release" for r in audited)
    print(
        f"audit: {len(results)} locked packages, {len(audited)} audited "
        f"({exact} by release, {len(audited) - exact} as the newest release), "
        f"{len(skipped)} not audited, {len(found)} known vulnerabilities"
    )
    for r, v in found:
        fixed = ", ".join(v.get("fixed_in") or []) or "no fix released"
        print(f"  VULNERABLE {r.name} {r.version}: {v.get('id')} (fixed in {fixed}) {v.get('link') or ''}".rstrip())
    for r in skipped:
        print(f"  not audited: {r.name} {r.version}: {r.reason}")
    if args.json:
        report = [
            {"name": r.name, "version": r.version, "source": r.source or None, "reason": r.reason or None,
             "vulns": [v.get("id") for v in r.vulns]}
            for r in results
        ]
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if found:
        return 1
    if skipped and args.strict:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
