"""The export box of the Run history tab: the owner's run exports as a zip, another's is refused, and a push
empties the token box and answers in one sentence (offline here)."""
from __future__ import annotations

import zipfile

import gradio as gr

from lab.serve import owners
from lab import resources
from lab.store import Store
from lab.ui import export_box

TOKEN = "hf_UiSecretToken0123456789abcdef"


def test_export_box_respects_ownership_and_forgets_the_token(tmp_path, data_dir, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"text number {i} about cats" for i in range(50)))
    store = Store()
    alice, mallory = owners.issue(), owners.issue()  # the signed tokens two browsers hold
    run = "a1" * 16
    store.create_run(run, "tokenizer", owners.verify(alice), {"base": "minilm", "vocab_size": 200, "corpus": str(corpus),
                                                     "sample": "cats", "batch_size": 10})
    (tmp_path / "tok").mkdir()
    store.finish_run(run, "done", {"vocab_size": 200, "tokenizer_path": str(tmp_path / "tok")}, None)
    with gr.Blocks():
        owner, selected = gr.State(alice), gr.State(None)
        box = export_box.build(store, owner, selected)
    export, push = box["handlers"]["export"], box["handlers"]["push"]

    path, note = export(alice, run)
    with zipfile.ZipFile(path) as archive:
        assert {"config.json", "metrics.csv", "script/train.py", "script/data/upload/corpus.txt"} <= set(archive.namelist())
    assert "Exported" in note
    refused = export(mallory, run)
    assert refused[0] is None and "no run" in refused[1] and "that you can open" in refused[1]
    assert "Pick a run" in export(alice, None)[1]
    store.set_shared(run, True)  # a shared run exports for the whole class
    assert export(mallory, run)[0] is not None

    monkeypatch.setattr(resources, "hub_available", lambda *a, **k: False)
    token_box, note = push(alice, run, "alice/tok", "", TOKEN)
    assert token_box == "" and "needs the Hugging Face Hub" in note and TOKEN not in note
    store.set_shared(run, False)
    assert "that you can open" in push(mallory, run, "m/tok", "", TOKEN)[1]
    assert TOKEN.encode() not in (data_dir / "runs.sqlite").read_bytes()


def test_a_training_tab_exports_the_run_it_follows_for_its_owner_or_when_shared(tmp_path, data_dir):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"text number {i} about dogs" for i in range(50)))
    store = Store()
    alice, mallory = owners.issue(), owners.issue()
    run = "b2" * 16
    store.create_run(run, "tokenizer", owners.verify(alice), {"base": "minilm", "vocab_size": 200, "corpus": str(corpus),
                                                     "sample": "dogs", "batch_size": 10})
    (tmp_path / "tok").mkdir()
    store.finish_run(run, "done", {"vocab_size": 200, "tokenizer_path": str(tmp_path / "tok")}, None)
    runner = type("Runner", (), {"store": store})()
    with gr.Blocks():
        parts = export_box.tab_export(runner, "tokenizer", gr.State(alice), gr.State(None))
    export = parts["export_handler"]
    followed = {"id": run, "status": "done"}

    update, note = export(alice, followed)
    with zipfile.ZipFile(update["value"]) as archive:
        assert "script/train.py" in archive.namelist()
    assert update["visible"] and "Exported" in note
    assert "that you can open" in export(mallory, followed)[1]  # a stranger's private run
    assert "once it has ended" in export(alice, {"id": run, "status": "running"})[1]
    assert "Start a run" in export(alice, None)[1]
    store.set_shared(run, True)
    assert export(mallory, followed)[0]["visible"]


def test_each_export_is_its_own_file_and_goes_with_the_run(tmp_path, data_dir):
    """Two exports of one shared run are two files (neither overwrites the other while it downloads); a
    running run is not exported; deleting the run removes its exports."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"text number {i} about owls" for i in range(50)))
    store = Store()
    alice, bob = owners.issue(), owners.issue()
    run = "c3" * 16
    store.create_run(run, "tokenizer", owners.verify(alice), {"base": "minilm", "vocab_size": 200, "corpus": str(corpus),
                                                     "sample": "owls", "batch_size": 10})
    store.set_shared(run, True)
    assert export_box.export_zip(store, run, bob) is None  # queued: not whole yet
    (tmp_path / "tok").mkdir()
    store.finish_run(run, "done", {"vocab_size": 200, "tokenizer_path": str(tmp_path / "tok")}, None)
    first, second = export_box.export_zip(store, run, alice), export_box.export_zip(store, run, bob)
    assert first != second and zipfile.ZipFile(first).namelist() == zipfile.ZipFile(second).namelist()
    assert first.endswith(f"report-{run}.zip") and second.endswith(f"report-{run}.zip")
    store.delete_run(run)
    assert not any(data_dir.joinpath("downloads").rglob("*.zip"))
