"""Configuration fuzzing: mutations of a valid configuration (wrong types, unknown keys, bad
durations, missing keys) are either valid or refused with a ConfigError whose problems each name
a field path; never another exception."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import validate_config
from monitor.errors import ConfigError
from tests.conftest import BASE_CONFIG
from tests.soak import cases, report

Path_ = tuple[Any, ...]


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out += _paths(v, (*prefix, i))
    return out


BASE = {**copy.deepcopy(BASE_CONFIG), "data_dir": "/tmp/bs-fuzz"}
PATHS = _paths(BASE)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["10 parsecs", "-5m", "0s", "1e9d", "", "5", "P1D", "⏰", "\x00", "10s\n", "99999999999d"]),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
MUTATION = st.tuples(st.sampled_from(["replace", "delete", "unknown", "duration"]), st.sampled_from(PATHS), JUNK)


def _apply(data: Any, kind: str, path: Path_, junk: Any) -> None:
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if kind == "delete":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif kind == "unknown":
        target = parent[last]
        if isinstance(target, dict):
            target["zz_unknown_key"] = junk
        else:
            parent[last] = {"zz_unknown_key": junk}
    elif kind == "duration":
        parent[last] = junk if isinstance(junk, str) else "12 fortnights"
    else:
        parent[last] = junk


RAN = {"mutated": 0, "not_a_mapping": 0}


@settings(max_examples=cases(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=3))
def _mutated(mutations: list[Any]) -> None:
    RAN["mutated"] += 1
    data = copy.deepcopy(BASE)
    for kind, path, junk in mutations:
        try:
            _apply(data, kind, path, junk)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier mutation removed or replaced this path
    try:
        validate_config(data, path="<fuzz>", env={})
    except ConfigError as exc:
        assert exc.problems, str(exc)
        for _file, field, what in exc.problems:
            assert what, exc.problems
            assert field or "<fuzz>" in str(exc), exc.problems
        assert "<fuzz>" in str(exc)


def test_mutated_configs_are_valid_or_refused_with_a_field_path() -> None:
    RAN["mutated"] = 0
    _mutated()
    report("configuration mutations", RAN["mutated"])
    assert RAN["mutated"] >= cases(200) // 2


@settings(max_examples=cases(60), deadline=None)
@given(st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=3)))
def _not_a_mapping(doc: Any) -> None:
    RAN["not_a_mapping"] += 1
    try:
        validate_config(doc, path="<fuzz>", env={})
    except ConfigError as exc:
        assert "<fuzz>" in str(exc)
    else:
        raise AssertionError(f"accepted {doc!r}")


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    RAN["not_a_mapping"] = 0
    _not_a_mapping()
    report("configuration documents that are not a mapping", RAN["not_a_mapping"])
