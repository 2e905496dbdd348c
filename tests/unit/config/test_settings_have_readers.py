"""Every setting in the configuration schema has a reader (issue 14).

The test walks the pydantic schema of :class:`monitor.config.AppConfig` — every nested model,
including the item models of lists and dicts and the members of unions — and, for each field,
looks for a reader in the code of ``monitor/`` and ``connectors/``.

A field counts as read when its name appears in that code, parsed as Python, as

- an attribute read ``x.field_name`` (``ast.Attribute``; a method call ``x.field_name(...)``
  does not count: a setting is never called, and SQL's ``.group_by()`` is not a route's
  ``group_by``), or
- a string literal naming it in a by-name read: ``getattr(x, "field_name")`` /
  ``hasattr(...)``, a subscript ``d["field_name"]`` or ``d.get("field_name")`` — the shapes a
  read through ``model_dump()`` or ``getattr`` takes.

Not counted: ``monitor/config/`` itself except its models' accessor methods (validators and the
loader check values, they do not use them; ``AppConfig.database_url`` does read ``url_env`` for
its callers), and the functions in :data:`FORWARDERS`, which only copy settings along.

The match is by name only, not by model: a name shared by two models is read for both once any
code reads it. That is the practical definition; it still catches settings nothing reads.

Out of scope: the connectors' option models (``sources[].options`` is a plain dict here; each
connector type validates its own options model).

Fields without a reader sit on :data:`ALLOWED_UNREAD`, each with the reason; the list only ever
shrinks — a test fails once an allow-listed field gains a reader, so its entry is removed.
"""

from __future__ import annotations

import ast
import types
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from monitor.config import AppConfig

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("monitor", "connectors")
#: The schema's package: only its models' accessor methods count as readers here.
CONFIG = ROOT / "monitor" / "config"
_VALIDATORS = frozenset({"field_validator", "model_validator"})

#: Functions that only forward settings: ``Route.build`` copies a route's options into the
#: ``RouteOpts`` its children inherit, so its reads do not count (``RouteOpts`` needs a reader of
#: its own elsewhere). ``(path relative to the root, function name)``.
FORWARDERS = frozenset({("monitor/domain/routing.py", "build")})

#: ``Model.field`` -> why nothing reads it yet. Keep this small; it only ever shrinks.
ALLOWED_UNREAD: dict[str, str] = {
}

_BY_NAME_CALLS = frozenset({"getattr", "hasattr", "setattr", "delattr"})


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation mentions: itself, or inside list/dict/Optional/Union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def schema_fields(root: type[BaseModel] = AppConfig) -> dict[str, str]:
    """Every field of the schema under ``root``: ``"Model.field"`` -> the field's attribute name."""
    out: dict[str, str] = {}
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [root]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            out[f"{model.__name__}.{name}"] = name
            todo.extend(_models_in(info.annotation))
    return out


def _sources() -> Iterator[Path]:
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def _const_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_validator(fn: ast.FunctionDef) -> bool:
    for deco in fn.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _VALIDATORS:
            return True
    return False


def _counted_scopes(path: Path, tree: ast.Module) -> list[ast.AST]:
    """The parts of a module whose reads count: all of it, except in ``monitor/config/``, where
    only the models' accessor methods count (``AppConfig.database_url`` reads ``url_env`` for its
    callers) and neither validators nor the loader do."""
    if not path.is_relative_to(CONFIG):
        return [tree]
    return [
        item
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for item in cls.body
        if isinstance(item, ast.FunctionDef) and not _is_validator(item)
    ]


def _reads(scope: ast.AST, rel: str) -> Iterator[str]:
    skip: set[int] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            skip.add(id(node.func))  # x.name(...) calls a method (SQL's .group_by()); a setting is never called
        elif isinstance(node, ast.FunctionDef) and (rel, node.name) in FORWARDERS:
            skip.update(id(sub) for sub in ast.walk(node))
    for node in ast.walk(scope):
        if id(node) in skip:
            continue
        key: str | None = None
        if isinstance(node, ast.Attribute):
            key = node.attr
        elif isinstance(node, ast.Subscript):
            key = _const_str(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BY_NAME_CALLS and len(node.args) >= 2:
                key = _const_str(node.args[1])
            elif isinstance(func, ast.Attribute) and func.attr == "get":
                key = _const_str(node.args[0])
        if key is not None:
            yield key


@cache
def read_names() -> frozenset[str]:
    """Every name the code reads as an attribute or by name (see the module docstring)."""
    names: set[str] = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(ROOT).as_posix()
        for scope in _counted_scopes(path, tree):
            names.update(_reads(scope, rel))
    return frozenset(names)


def test_the_walk_reaches_nested_list_and_dict_models() -> None:
    fields = schema_fields()
    # nested model, list item model, dict value model, optional model, recursive model
    for key in (
        "PolicyConfig.light",
        "WatchList.terms",
        "ResponseTarget.within",
        "SlackTarget.channel",
        "RouteConfig.routes",
        "FilterConfig.languages",
    ):
        assert key in fields, key


def test_every_setting_has_a_reader() -> None:
    names = read_names()
    unread = sorted(k for k, name in schema_fields().items() if name not in names and k not in ALLOWED_UNREAD)
    assert not unread, (
        "settings that no code outside monitor/config reads (give them a reader, remove them, or add "
        f"them with a reason to ALLOWED_UNREAD): {unread}"
    )


def test_allow_list_only_shrinks() -> None:
    fields = schema_fields()
    names = read_names()
    stale = sorted(k for k in ALLOWED_UNREAD if k not in fields)
    assert not stale, f"ALLOWED_UNREAD names fields the schema no longer has: {stale}"
    now_read = sorted(k for k in ALLOWED_UNREAD if fields[k] in names)
    assert not now_read, f"these allow-listed settings have a reader now; remove them from ALLOWED_UNREAD: {now_read}"
