"""``config/example.yaml`` names every key of the configuration schema (the docs stay honest)."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from monitor.config import AppConfig

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
# Free-form mappings whose keys are data, not schema (checked by their own models elsewhere).
FREE_FORM = {"options", "credentials", "own_accounts", "light_weight", "sentiment_weight", "source_weight",
             "thresholds", "targets", "respond_within"}


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModel classes inside an annotation (Optional, list[...], dict[..., ...])."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict, tuple):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def missing_keys(model: type[BaseModel], data: Any, path: str) -> list[str]:
    """Schema keys of ``model`` absent from ``data`` (for lists: from every element)."""
    if isinstance(data, list):
        if not data:
            return [f"{path}[] (empty list: no example)"]
        found = [set(missing_keys(model, item, path)) for item in data]
        return sorted(set.intersection(*found))
    if not isinstance(data, dict):
        return []
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in data:
            out.append(f"{path}.{key}".lstrip("."))
            continue
        if key in FREE_FORM or key == "routes":  # child routes inherit: the root documents them
            continue
        for sub in _models(field.annotation):
            out.extend(missing_keys(sub, data[key], f"{path}.{key}"))
    return out


def test_example_names_every_schema_key() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert missing_keys(AppConfig, data, "") == []
