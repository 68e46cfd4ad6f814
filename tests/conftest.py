"""Shared fixtures: every test gets its own data directory, so runs never leak between tests."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The converted SmolLM2 folder is reused between tests and runs: converting takes ~15 s.
SHARED_MODELS = Path(os.environ.get("LAB_TEST_CACHE", ROOT / "lab_data")).resolve()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "lab_data"))
    (tmp_path / "lab_data").mkdir()
    models = SHARED_MODELS / "models"
    models.mkdir(parents=True, exist_ok=True)
    (tmp_path / "lab_data" / "models").symlink_to(models, target_is_directory=True)
    return tmp_path / "lab_data"
