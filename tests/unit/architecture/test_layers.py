"""The layer rules of docs/architecture (README "How it works"), enforced on the import graph.

Every import counts: module level, inside functions (lazy) and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("monitor", "connectors")
SQL_LIBS = ("sqlalchemy", "sqlmodel", "alembic")
#: Modules besides monitor.storage that may use SQL: the scheduler's job store and the leader lock.
SQL_ALLOWED = ("monitor.storage", "monitor.app.leader", "monitor.app.scheduler")
#: Who may import the composition root.
ROOT_IMPORTERS = ("monitor.app", "monitor.web.app", "monitor.cli")
#: Breaches still open (README "How it works" lists them): this list only ever shrinks, and is
#: empty now (the routing policy checks run after load_config, in cli/options.load and
#: bootstrap.build, not inside monitor.config).
KNOWN_BREACHES: frozenset[str] = frozenset()
#: Data packages read with importlib.resources (not modules imported by name).
DATA_PACKAGES = ("monitor.sample",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "versions" in path.parts:  # generated migrations
                continue
            out[_module_name(path)] = path
    return out


def _imports(name: str, path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            yield mod
            for alias in node.names:  # `from monitor import metrics` imports a module
                yield f"{mod}.{alias.name}"


MODULES = _modules()
GRAPH: dict[str, set[str]] = {}
RAW: dict[str, set[str]] = {}
for _name, _path in MODULES.items():
    raw = set(_imports(_name, _path))
    RAW[_name] = raw
    GRAPH[_name] = {m for m in raw if m in MODULES and m != _name}


def _within(mod: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)


def test_graph_is_not_empty() -> None:
    assert len(MODULES) > 60
    assert GRAPH.get("monitor.domain.decide")


def test_connectors_import_nothing_from_monitor() -> None:
    breaches = sorted(f"{m} -> {i}" for m in MODULES if _within(m, "connectors")
                      for i in RAW[m] if _within(i, "monitor"))
    assert breaches == []


def test_domain_is_pure() -> None:
    banned = (*SQL_LIBS, "httpx", "monitor.storage", "monitor.app", "monitor.intake", "monitor.triage",
              "monitor.delivery", "monitor.web", "monitor.cli", "monitor.queue", "monitor.digest")
    breaches = sorted(f"{m} -> {i}" for m in MODULES if _within(m, "monitor.domain")
                      for i in RAW[m] if _within(i, banned))
    assert breaches == []


def test_only_storage_speaks_sql() -> None:
    breaches = sorted(f"{m} -> {i}" for m in MODULES if not _within(m, SQL_ALLOWED)
                      for i in RAW[m] if _within(i, SQL_LIBS))
    assert [b for b in breaches if b not in KNOWN_BREACHES] == []


def test_only_the_edges_import_the_composition_root() -> None:
    breaches = sorted(f"{m} -> {i}" for m in MODULES if not _within(m, ROOT_IMPORTERS)
                      for i in GRAPH[m] if i == "monitor.app.bootstrap")
    assert breaches == []


def test_config_imports_no_domain_code() -> None:
    breaches = sorted(f"{m} -> {i}" for m in MODULES if _within(m, "monitor.config")
                      for i in GRAPH[m] if _within(i, "monitor") and not _within(i, ("monitor.config", "monitor.vocab",
                                                                                     "monitor.errors")))
    assert [b for b in breaches if b not in KNOWN_BREACHES] == []


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    allowed = {a.split(" -> ")[0] for a in KNOWN_BREACHES} | {a.split(" -> ")[1] for a in KNOWN_BREACHES}
    # a cycle is tolerated only while every module in it is part of a known breach (or its package)
    left = [c for c in _cycles() if not all(any(_within(allowed_mod, m) or m == allowed_mod for allowed_mod in allowed)
                                           for m in c)]
    assert left == []


def test_known_breaches_are_still_breaches() -> None:
    """The allow-list shrinks: a fixed breach must be taken off it."""
    present = {f"{m} -> {i}" for m in MODULES for i in RAW[m]}
    assert sorted(KNOWN_BREACHES - present) == []


def test_no_string_registries_of_our_modules() -> None:
    """Commands, routes and jobs are wired by explicit imports, not dotted strings."""
    breaches = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                dotted = v.replace(".", "").replace(":", "").replace("_", "").isalnum()
                if (v.startswith("monitor.") and dotted and v not in DATA_PACKAGES
                        and _within(v.split(":")[0], tuple(MODULES))):
                    breaches.append(f"{name}: {v!r}")
    assert breaches == []
