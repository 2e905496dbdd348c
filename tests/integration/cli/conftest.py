"""What the CLI tests share: a configuration file on a fresh SQLite database, and its store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from monitor.config import load_config
from monitor.storage.db import make_engine
from monitor.storage.store import Store
from tests.conftest import BASE_CONFIG


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A valid configuration with no sources, the lexicon model and a SQLite database in ``tmp_path``."""
    data = json.loads(json.dumps(BASE_CONFIG))
    data["sources"] = []
    data["storage"] = {"url": f"sqlite:///{tmp_path}/cli.db", "url_env": None}
    data["data_dir"] = str(tmp_path / "data")
    data["sentiment"] = {"model": "lexicon"}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def store_of(config_file: Path) -> Store:
    """The store of the database ``config_file`` names."""
    return Store(make_engine(load_config(str(config_file)).database_url()))
