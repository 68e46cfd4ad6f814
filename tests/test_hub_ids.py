"""A typed Hub id never opens a server folder of the same name, in any field that takes one.

transformers' `from_pretrained` and datasets' `load_dataset` look for a local folder named like the
id before they ask the Hub. Here the Hub is reported as reachable (the lab's own probe) while the
working directory holds folders named like ids (`owner/name`, and `lab_data`, the data folder), each a
readable model or dataset: every loader must go to huggingface_hub's cache (empty here, and
huggingface_hub is offline, so it says it could not fetch) and never read those folders.
"""
from __future__ import annotations

import shutil

import pytest

from lab import data, resources
from lab.config import FinetuneConfig
from lab.errors import LabError
from tests.tiny_classifier import tiny_folder

FETCH = "could not be fetched from the Hugging Face Hub"
HASH = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture()
def hub_up(tmp_path, monkeypatch, data_dir):
    """The Hub 'answers', the cache is this test's own, and folders named like ids sit in the cwd."""
    import huggingface_hub.constants as hub

    monkeypatch.setattr(resources, "hub_available", lambda *a, **k: True)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)  # the cache alone answers, at once
    monkeypatch.chdir(tmp_path)  # data_dir is tmp_path/lab_data: the id `lab_data` names it
    model = tiny_folder(tmp_path / "scratch")
    shutil.copytree(model, tmp_path / "owner" / "name")
    (tmp_path / "owner" / "rows").mkdir(parents=True)
    (tmp_path / "owner" / "rows" / "train.csv").write_text("text,label\nlocal secret,a\nserver file,b\n")
    (data_dir / "notes.csv").write_text("text,label\nserver notes,a\nmore notes,b\n")
    return tmp_path


@pytest.mark.parametrize("name", ["owner/rows", "lab_data"])
def test_a_dataset_id_never_reads_a_local_folder(hub_up, name):
    with pytest.raises(LabError, match=FETCH):
        data.hub_rows(name, limit=10)


def _loaders():
    from lab.kinds.causal.common import load_causal_lm
    from lab.kinds.finetune.data import make_plan
    from lab.kinds.pipeline import get_pipeline
    from lab.teach import explain

    return {
        "pipeline": lambda: get_pipeline("text-classification", "owner/name", viewer=""),
        "fine-tuning plan": lambda: make_plan(FinetuneConfig(base="owner/name"), viewer="", allow_local=False),
        "LoRA shapes": lambda: explain.lora_shapes("owner/name", "query", 2),
        "NF4 block": lambda: explain.nf4_block("owner/name"),
        "SFT model in the job (checked at submit)": lambda: load_causal_lm("owner/name"),
    }


@pytest.mark.parametrize("what", ["pipeline", "fine-tuning plan", "LoRA shapes", "NF4 block",
                                  "SFT model in the job (checked at submit)"])
def test_a_model_id_never_loads_a_local_folder(hub_up, what):
    with pytest.raises(LabError, match=FETCH):
        _loaders()[what]()
        pytest.fail(f"{what} loaded the local folder owner/name")


def test_a_job_reads_a_page_id_as_an_id(hub_up, data_dir):
    """A job resolves its checked config again with allow_local=True (the CLI's rule); a relative name
    is still an id there, so the job, the export and the run's files never open ./owner/name."""
    from lab import sources
    from lab.__main__ import absolute

    (data_dir / "secret-like").write_text("not for pages")
    assert sources.resolve_model("owner/name", allow_local=True) == "owner/name"
    assert sources.resolve_data("lab_data/secret-like", allow_local=True).kind == "hub"
    # the CLI names local files and folders by absolute paths, which pages cannot type
    assert absolute("owner/name") == str(hub_up / "owner" / "name")
    assert sources.resolve_model(absolute("owner/name"), allow_local=True) == str(hub_up / "owner" / "name")
    assert absolute("minilm") == "minilm"


def test_an_export_names_a_page_id_and_copies_no_folder_or_file_of_that_name(hub_up, data_dir):
    """A run's export copies its uploads and its models; a Hub id the page typed stays an id, even
    where ./owner/name or lab_data/runs.sqlite exist."""
    from lab.export.builders import _source
    from lab.export.bundle import copy_upload, model_spec

    (data_dir / "runs.sqlite").write_bytes(b"every run of the class")
    out = hub_up / "export"
    assert model_spec("owner/name", "owner/name", out) == {"name": "owner/name", "path": None, "hub_id": "owner/name"}
    assert copy_upload("lab_data/runs.sqlite", out) is None and _source("lab_data/runs.sqlite") == "lab_data/runs.sqlite"
    assert not out.exists()


def test_a_hub_id_loads_what_huggingface_hub_downloaded(hub_up):
    """The same id, once in huggingface_hub's cache, loads from there (not from ./owner/rows)."""
    repo = hub_up / "hub-cache" / "datasets--owner--rows"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(HASH)
    (repo / "snapshots" / HASH).mkdir(parents=True)
    (repo / "snapshots" / HASH / "train.csv").write_text("text,label\nfrom the hub,x\nalso the hub,y\n")
    rows = data.hub_rows("owner/rows", limit=10)
    assert [r["text"] for r in rows] == ["from the hub", "also the hub"]
