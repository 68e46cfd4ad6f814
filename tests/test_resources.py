"""Offline defaults resolve without the Hub; Hub-only choices answer with a sentence, quickly."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from lab import resources, sources
from lab.errors import LabError
from lab.store import run_folder


def test_packaged_models_resolve_to_local_folders():
    assert (Path(sources.resolve_model("minilm")) / "config.json").exists()
    assert (Path(sources.resolve_model("smollm2")) / "config.json").exists()
    assert "quantization_config" not in (Path(resources.smollm2_path()) / "config.json").read_text()


def test_hub_offline_is_honoured_and_a_hub_id_gets_one_sentence(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resources.hub_available() is False
    with pytest.raises(LabError, match="needs the Hugging Face Hub"):
        sources.resolve_model("google-bert/bert-base-uncased")


def test_offline_is_detected_within_the_timeout(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(resources, "HUB_HOST", "hub.invalid")  # a name that never resolves
    monkeypatch.setattr(resources, "_hub_state", {})
    start = time.monotonic()
    assert resources.hub_available() is False
    assert time.monotonic() - start < resources.HUB_TIMEOUT_S + 1


def test_run_references(data_dir):
    model = run_folder("abc", create=True) / "lora" / "model"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    assert sources.resolve_model("run:abc/lora") == str(model)
    with pytest.raises(LabError, match="has no saved model"):
        sources.resolve_model("run:missing")
    with pytest.raises(LabError, match="not a run"):
        sources.resolve_model("run:../../etc")
    with pytest.raises(LabError, match="Choose a model"):
        sources.resolve_model("  ")
