"""Run history survives a restart: a new Store on the same folder sees the same runs."""
from __future__ import annotations

import time
from dataclasses import dataclass

from lab.serve.runner import Runner
from lab.store import Store


@dataclass
class Settings:
    steps: int = 3


def test_runs_survive_a_restart(data_dir):
    store = Store()
    runner = Runner({"count": lambda cfg, ctx: [ctx.emit("step", step=s, loss=1.0 / s) for s in
                                                 range(1, cfg.steps + 1)] and {"final": 0.33}}, store=store)
    job_id = runner.submit("owner-1", "count", Settings())
    while runner.snapshot(job_id)["status"] != "done":
        time.sleep(0.01)
    runner.shutdown()
    (store.run_dir(job_id) / "weights.bin").write_bytes(b"123")

    reopened = Store()  # what the app sees after a restart
    run = reopened.get_run(job_id)
    assert run["kind"] == "count" and run["owner"] == "owner-1" and run["status"] == "done"
    assert run["config"] == {"steps": 3}
    assert run["result"] == {"final": 0.33}
    assert run["curves"]["step/loss"] == [[1.0, 1.0], [2.0, 0.5], [3.0, 1 / 3]]
    assert (reopened.run_dir(job_id) / "weights.bin").read_bytes() == b"123"
    assert [r["id"] for r in reopened.list_runs(kind="count", status="done")] == [job_id]

    restarted = Runner({"count": lambda cfg, ctx: {}}, store=reopened)  # the app's next process
    assert restarted.jobs(owner="owner-1", kind="count") == [
        {"id": job_id, "kind": "count", "status": "done", "owner": "owner-1"}]  # its page follows it again
    assert restarted.jobs(owner="someone-else", kind="count") == []
    snap = restarted.snapshot(job_id)
    assert [e["loss"] for e in snap["events"] if e["type"] == "step"] == [1.0, 0.5, 1 / 3]  # and draws it whole
    assert snap["status"] == "done" and snap["result"] == {"final": 0.33}
    restarted.shutdown()


def test_opening_the_store_again_leaves_live_runs_alone(data_dir):
    store = Store()
    store.create_run("abc", "pretrain", "o", {"steps": 1})
    assert Store().get_run("abc")["status"] == "queued"  # a second open (a tab, the CLI) is no restart


def test_the_start_up_sweep_marks_interrupted_runs_and_keeps_their_curves(data_dir):
    store = Store()
    store.create_run("done1", "pretrain", "o", {})
    store.finish_run("done1", "done", {"x": 1}, None, [{"type": "step", "step": 1, "loss": 2.0}])
    store.create_run("live", "pretrain", "o", {})
    store.add_points("live", [{"type": "step", "step": 1, "loss": 3.0}, {"type": "step", "step": 2, "loss": 2.5}])
    assert Store().sweep() == 1  # what the app does once at start-up
    run = Store().get_run("live")
    assert run["status"] == "interrupted" and "restarted" in run["error"]
    assert run["curves"]["step/loss"] == [[1.0, 3.0], [2.0, 2.5]]
    assert Store().get_run("done1")["status"] == "done"


def test_a_viewer_lists_their_runs_and_shared_ones_only(data_dir):
    store = Store()
    for run_id, owner in (("a1", "alice"), ("b1", "bob"), ("b2", "bob")):
        store.create_run(run_id, "tokenizer", owner, {})
    store.set_shared("b2", True)
    assert sorted(r["id"] for r in store.list_runs(viewer="alice")) == ["a1", "b2"]
    assert sorted(r["id"] for r in store.list_runs()) == ["a1", "b1", "b2"]
    store.pin("tokenizer", "b1")
    assert store.pins() == {"tokenizer": "b1"} and store.get_run("b1")["shared"]
    (store.run_dir("b1") / "f.txt").write_text("x")
    store.delete_run("b1")
    assert store.get_run("b1") is None and store.pins() == {} and not store.run_dir("b1").joinpath("f.txt").exists()


def test_method_tagged_events_become_separate_series(data_dir):
    store = Store()
    store.create_run("r1", "finetune", "o", {})
    store.finish_run("r1", "done", {}, None, [
        {"type": "step", "step": 1, "loss": 0.9, "method": "lora"},
        {"type": "step", "step": 1, "loss": 0.7, "method": "full"},
        {"type": "eval", "step": 1, "eval_accuracy": 0.8, "method": "full"},
        {"type": "log", "message": "hello"},
    ])
    curves = store.get_run("r1")["curves"]
    assert curves == {"lora/step/loss": [[1.0, 0.9]], "full/step/loss": [[1.0, 0.7]],
                      "full/eval/eval_accuracy": [[1.0, 0.8]]}


def test_a_run_folder_downloads_as_a_zip(data_dir):
    import zipfile

    store = Store()
    assert store.zip_run("nothing-saved") is None
    (store.run_dir("r2") / "model").mkdir()
    (store.run_dir("r2") / "model" / "config.json").write_text("{}")
    archive = store.zip_run("r2")
    names = zipfile.ZipFile(archive).namelist()
    assert "model/config.json" in names and not any(n.endswith(".zip") for n in names)


def test_a_run_zip_is_whole_its_own_and_goes_with_the_run(data_dir):
    """Never offered while the run writes; a later state of its files gets a new zip, not the first
    one forever; deleting the run removes its zips."""
    import zipfile

    store = Store()
    store.create_run("r3", "finetune", "owner-1", {"steps": 1})
    (store.run_dir("r3") / "model").mkdir()
    (store.run_dir("r3") / "model" / "config.json").write_text("{}")
    assert store.zip_run("r3") is None  # queued: its files may still change
    store.set_status("r3", "running")
    (store.run_dir("r3") / "model" / "weights.bin").write_bytes(b"half")
    assert store.zip_run("r3") is None  # running: half a model is not offered
    store.finish_run("r3", "done", {}, None)
    (store.run_dir("r3") / "model" / "weights.bin").write_bytes(b"whole weights")
    first = store.zip_run("r3")
    assert zipfile.ZipFile(first).read("model/weights.bin") == b"whole weights"
    assert store.zip_run("r3") == first  # the same state: made once
    (store.run_dir("r3") / "model" / "extra.json").write_text("{}")  # the files changed (e.g. a later save)
    second = store.zip_run("r3")
    assert second != first and "model/extra.json" in zipfile.ZipFile(second).namelist()
    assert not first.exists()  # the zip of the earlier state is gone
    store.delete_run("r3")
    assert not second.exists() and not store.downloads("r3").exists()
