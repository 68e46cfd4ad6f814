"""Identical jobs train once: a second page joins the running training or is answered from the finished
one, each run stays its owner's own, Stop leaves, and nothing stopped or failed is ever handed on."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from lab.config import FinetuneConfig
from lab.serve import identity
from lab.serve.runner import Runner
from lab.store import Store, run_folder
from tests.test_jobs import wait_for


class Trainings:
    """A job that counts how often it really trained, writes a file into its run folder and names its run."""

    def __init__(self):
        self.gate, self.count, self.fail = threading.Event(), 0, False

    def __call__(self, cfg, ctx):
        self.count += 1
        for step in range(1, 4):
            ctx.emit("step", step=step, loss=cfg["lr"] * 10 / step)
            if step == 1:
                self.gate.wait(10)
            if ctx.cancelled:
                return {}
        if self.fail:
            raise ValueError("boom")
        (run_folder(ctx.job_id, create=True) / f"model-{ctx.job_id[:8]}.bin").write_bytes(b"weights")
        return {"ref": f"run:{ctx.job_id}", "label": f"tiny ({ctx.job_id[:6]})", "loss": cfg["lr"] * 10 / 3}


@pytest.fixture()
def lab(data_dir):
    work = Trainings()
    runner = Runner({"train": work}, store=Store(data_dir), coalesce=True, max_per_owner=5)
    yield runner, work
    work.gate.set()
    runner.shutdown()


def test_identical_jobs_train_once_and_each_owner_has_their_own_run(lab, data_dir):
    runner, work = lab
    first = runner.submit("alice", "train", {"lr": 0.1})
    while runner.snapshot(first)["status"] != "running":
        time.sleep(0.01)
    second = runner.submit("bob", "train", {"lr": 0.1})
    assert runner.snapshot(second)["status"] == "running" and runner.snapshot(second)["joined"]
    work.gate.set()
    a, b = wait_for(runner, first), wait_for(runner, second)
    assert work.count == 1
    assert a["status"] == b["status"] == "done"
    assert b["result"] == {"ref": f"run:{second}", "label": f"tiny ({second[:6]})", "loss": a["result"]["loss"]}
    steps = lambda snap: [(e["step"], e["loss"]) for e in snap["events"] if e["type"] == "step"]
    assert steps(a) == steps(b) and len(steps(b)) == 3  # the same curve, step for step
    assert first not in str(b) and "alice" not in str(b)  # nothing of the other run or its owner
    store = Store(data_dir)
    assert store.get_run(second)["owner"] == "bob" and store.get_run(second)["status"] == "done"
    assert len(store.get_run(second)["curves"]["step/loss"]) == 3
    store.delete_run(first)  # deleting one run never removes what another shows
    assert (store.run_dir(second, create=False) / f"model-{second[:8]}.bin").read_bytes() == b"weights"


def test_a_finished_identical_run_answers_at_once_and_afresh_trains_again(lab):
    runner, work = lab
    work.gate.set()
    first = runner.submit("alice", "train", {"lr": 0.2})
    wait_for(runner, first)
    copied = runner.submit("bob", "train", {"lr": 0.2})
    snap = runner.snapshot(copied)
    assert snap["status"] == "done" and snap["copied_from"] and work.count == 1
    assert snap["result"]["ref"] == f"run:{copied}"
    assert run_folder(copied).joinpath(f"model-{copied[:8]}.bin").exists()
    other = runner.submit("bob", "train", {"lr": 0.3})  # one setting differs: it trains
    wait_for(runner, other)
    assert work.count == 2
    again = runner.again(copied, "bob")
    assert wait_for(runner, again)["copied_from"] is None and work.count == 3
    with pytest.raises(Exception, match="not yours"):
        runner.again(copied, "carol")


@pytest.mark.parametrize("ending", ["stopped", "failed"])
def test_a_stopped_or_failed_run_is_never_handed_on(lab, ending):
    runner, work = lab
    work.fail = ending == "failed"
    first = runner.submit("alice", "train", {"lr": 0.4})
    if ending == "stopped":
        while runner.snapshot(first)["status"] != "running":
            time.sleep(0.01)
        runner.cancel(first, owner="alice")
    work.gate.set()
    assert wait_for(runner, first)["status"] == ("cancelled" if ending == "stopped" else "failed")
    work.fail = False
    later = runner.submit("bob", "train", {"lr": 0.4})
    assert wait_for(runner, later)["status"] == "done" and work.count == 2


def test_stop_by_a_joined_student_leaves_and_the_last_one_stops_the_training(lab, data_dir):
    runner, work = lab
    first = runner.submit("alice", "train", {"lr": 0.5})
    while runner.snapshot(first)["status"] != "running":
        time.sleep(0.01)
    bob = runner.submit("bob", "train", {"lr": 0.5})
    carol = runner.submit("carol", "train", {"lr": 0.5})
    assert runner.cancel(bob, owner="bob")
    assert runner.snapshot(bob)["status"] == "cancelled" and "You left" in runner.snapshot(bob)["error"]
    assert runner.cancel(first, owner="alice")  # the training's own owner leaves too: carol still follows
    assert runner.snapshot(first)["status"] == "cancelled"
    work.gate.set()
    assert wait_for(runner, carol)["status"] == "done" and work.count == 1
    assert run_folder(carol).joinpath(f"model-{carol[:8]}.bin").exists()
    assert not run_folder(first).exists()  # the leaver's run kept nothing
    assert Store(data_dir).get_run(first)["status"] == "cancelled"
    work.gate.clear()
    lone = runner.submit("dave", "train", {"lr": 0.6})
    while runner.snapshot(lone)["status"] != "running":
        time.sleep(0.01)
    follower = runner.submit("erin", "train", {"lr": 0.6})
    runner.cancel(lone, owner="dave")
    runner.cancel(follower, owner="erin")  # nobody follows any more: the training itself stops
    work.gate.set()
    assert wait_for(runner, follower)["status"] == "cancelled" and work.count == 2
    assert wait_for(runner, lone)["status"] == "cancelled"


def test_identity_differs_by_any_one_setting_by_upload_content_and_by_lab_version(tmp_path):
    upload = tmp_path / "a" / "class.csv"
    upload.parent.mkdir()
    upload.write_text("text,label\ngood,1\nbad,0\n")
    cfg = FinetuneConfig(dataset=str(upload))
    key = identity.job_key("finetune", cfg, version="v1", device="cpu")
    assert key and key == identity.job_key("finetune", dataclasses.replace(cfg), version="v1", device="cpu")
    for field in dataclasses.fields(FinetuneConfig):
        value = getattr(cfg, field.name)
        if field.name == "dataset":
            continue
        changed = (not value) if isinstance(value, bool) else value * 2 + 1 if isinstance(value, (int, float)) \
            else value + ",x"
        other = identity.job_key("finetune", dataclasses.replace(cfg, **{field.name: changed}), version="v1", device="cpu")
        assert other != key, field.name
    same_bytes = tmp_path / "b" / "renamed.csv"  # another student's upload of the same file: the same data
    same_bytes.parent.mkdir()
    same_bytes.write_bytes(upload.read_bytes())
    assert identity.job_key("finetune", dataclasses.replace(cfg, dataset=str(same_bytes)), "v1", "cpu") == key
    other_data = tmp_path / "c" / "class.csv"  # same name, other rows: never the same training
    other_data.parent.mkdir()
    other_data.write_text("text,label\ngood,0\nbad,1\n")
    assert identity.job_key("finetune", dataclasses.replace(cfg, dataset=str(other_data)), "v1", "cpu") != key
    assert identity.job_key("finetune", cfg, version="v2", device="cpu") != key
    assert identity.job_key("sft", cfg, version="v1", device="cpu") != key
    assert identity.job_key("finetune", cfg, version="v1", device="cuda:H100") is None  # not deterministic there
    assert identity.job_key("finetune", dataclasses.replace(cfg, base="someone/bert"), "v1", "cpu") is None  # Hub


def test_a_joined_upload_run_shows_its_own_file_name(data_dir, tmp_path):
    def named(cfg, ctx):
        return {"data": cfg["dataset"], "name": cfg["dataset"].rsplit("/", 1)[-1]}

    mine, theirs = tmp_path / "x" / "alice-secret.csv", tmp_path / "y" / "class.csv"
    for path in (mine, theirs):
        path.parent.mkdir()
        path.write_text("text,label\nhi,1\n")
    runner = Runner({"named": named}, coalesce=True)
    first = wait_for(runner, runner.submit("alice", "named", {"dataset": str(mine)}))
    copied = runner.snapshot(runner.submit("bob", "named", {"dataset": str(theirs)}))
    runner.shutdown()
    assert copied["copied_from"] and first["result"]["name"] == "alice-secret.csv"
    assert copied["result"] == {"data": str(theirs), "name": "class.csv"}


def test_on_a_gpu_identical_jobs_each_train_and_the_page_says_why(data_dir, monkeypatch):
    monkeypatch.setattr(identity, "device_kind", lambda: "cuda:NVIDIA H200")
    work = Trainings()
    work.gate.set()
    runner = Runner({"train": work}, coalesce=True)
    first = wait_for(runner, runner.submit("alice", "train", {"lr": 0.7}))
    second = wait_for(runner, runner.submit("bob", "train", {"lr": 0.7}))
    runner.shutdown()
    assert work.count == 2 and second["copied_from"] is None
    assert any(e.get("message") == identity.NOT_REPEATABLE for e in first["events"] + second["events"])
