"""Jobs on a local Ray instance (num_cpus=2, started once for the module): events live and in order,
Stop and the time budget, a worker killed mid-job, a cluster that does not answer, and a run's files
coming home from a task that worked in a folder of its own.

The Ray tests are skipped where ray is not installed (`bash scripts/setup.sh --dev` installs it).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.config import PretrainConfig, TokenizerConfig
from lab.serve.ray_backend import RayBackend, lost, unreachable
from lab.serve.runner import Runner, build_runner
from lab.store import Store, run_folder
from tests.test_jobs import steps, wait_for, wait_for_steps
from tests.test_tokenization import CORPUS

KINDS = {"count": "tests.isolated_handlers:count", "ignore_cancel": "tests.isolated_handlers:ignore_cancel",
         "tokenizer": "tests.ray_handlers:tokenizer_where", "pretrain": "lab.kinds.pretrain.job:pretrain_job"}


def test_without_lab_ray_address_nothing_imports_ray_and_without_ray_a_job_says_so():
    env = {k: v for k, v in os.environ.items() if k != "LAB_RAY_ADDRESS"}
    code = ("import sys; from lab.serve.runner import build_runner; from lab.store import Store; "
            "runner = build_runner(Store()); assert runner.backend.name == 'local'; runner.shutdown(); "
            "import lab.serve.ray_backend, lab.__main__; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray')); "
            "sys.modules['ray'] = None; "  # as where ray is not installed
            "from lab.serve.job import Job; from lab.serve.ray_backend import RayBackend; "
            "job = Job(id='j', owner='a', kind='tokenizer', config={}); "
            "print(RayBackend('local', grace_s=1.0).run(job, 'tests.isolated_handlers:count', print, lambda: None))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    modules, outcome = out.stdout.strip().splitlines()[-2:]
    assert modules == "[]"
    assert outcome == repr(("error", "Jobs are set to run on a Ray cluster (LAB_RAY_ADDRESS), but Ray is not "
                                     "installed with the app; install requirements-ray.txt or unset LAB_RAY_ADDRESS."))


@pytest.fixture(scope="module")
def backend():
    pytest.importorskip("ray")
    backend = RayBackend("local", num_cpus=2, object_store_mb=128, grace_s=2.0)  # a job ignoring Stop: 2 s
    # "local" starts its own instance even where RAY_ADDRESS (or a stale `ray start`) names a dead one
    os.environ["RAY_ADDRESS"], before = "127.0.0.1:1", os.environ.get("RAY_ADDRESS")
    try:
        backend.connect()
    finally:
        os.environ.pop("RAY_ADDRESS") if before is None else os.environ.update(RAY_ADDRESS=before)
    yield backend
    backend.shutdown()


@pytest.fixture()
def runner(backend, monkeypatch):
    monkeypatch.setenv("LAB_RAY_CPUS", "1")  # two jobs fit side by side on the two CPUs
    runner = Runner(KINDS, store=Store(), isolate=True, backend=backend, max_per_owner=5, cancel_grace_s=2.0)
    yield runner
    runner.shutdown()


def test_two_owners_jobs_run_on_ray_with_their_events_live_and_in_order(runner):
    first = runner.submit("ann", "count", {"n": 8, "pause": 0.15})
    second = runner.submit("bob", "count", {"n": 4})
    live = wait_for_steps(runner, first, 2)
    assert live["status"] == "running"  # the curve grows while the job trains, not at its end
    assert len(steps(live)) < 8
    one, two = wait_for(runner, first), wait_for(runner, second)
    assert (one["status"], one["owner"], two["status"], two["owner"]) == ("done", "ann", "done", "bob")
    assert [e["step"] for e in steps(one)] == list(range(1, 9)) and one["result"]["steps"] == 8
    assert [e["step"] for e in steps(two)] == [1, 2, 3, 4]
    pids = {one["result"]["pid"], two["result"]["pid"]}
    assert os.getpid() not in pids and len(pids) == 2  # each job in a Ray worker process of its own
    assert [e["type"] for e in one["events"]][0] == "status" and one["events"][-1]["status"] == "done"


def test_stop_reaches_the_task_within_a_step_and_keeps_what_finished(runner):
    job_id = runner.submit("ann", "count", {"n": 10_000, "pause": 0.05})
    at = len(steps(wait_for_steps(runner, job_id, 3)))
    assert runner.cancel(job_id, owner="ann")
    snap = wait_for(runner, job_id, timeout=20)
    assert snap["status"] == "cancelled" and snap["error"] == "Stopped by the user; what finished before is kept."
    assert len(steps(snap)) <= at + 4  # a step in flight, and the app looks at Stop every 50 ms
    assert snap["result"]["steps"] == len(steps(snap))


def test_the_time_budget_stops_a_ray_job_as_it_does_locally(runner):
    job_id = runner.submit("ann", "count", {"n": 10_000, "pause": 0.05})
    runner._jobs[job_id].budget_s = 3.0  # a fresh Ray worker takes a second or two to start
    snap = wait_for(runner, job_id, timeout=30)
    assert snap["status"] == "cancelled" and snap["error"].startswith("Stopped at its time budget of 3 s")
    assert 1 <= snap["result"]["steps"] < 10_000 and snap["finished"] - snap["started"] < 8


def test_a_task_that_ignores_stop_is_killed_after_the_grace_period(runner):
    job_id = runner.submit("ann", "ignore_cancel", {"sleep": 60})
    wait_for_steps(runner, job_id, 1)
    runner.cancel(job_id)
    started = time.time()
    snap = wait_for(runner, job_id, timeout=30)
    assert snap["status"] == "cancelled" and time.time() - started < 10


def test_a_worker_killed_mid_job_fails_that_job_and_the_next_one_runs(runner):
    doomed = runner.submit("ann", "count", {"n": 10_000, "pause": 0.05})
    after = runner.submit("bob", "count", {"n": 3})
    seen = wait_for_steps(runner, doomed, 3)
    os.kill(steps(seen)[0]["pid"], signal.SIGKILL)  # what the OOM killer or a lost node does to it
    snap = wait_for(runner, doomed, timeout=30)
    assert snap["status"] == "failed" and snap["error"] == str(lost(node=False))
    assert [e["step"] for e in steps(snap)][:3] == [1, 2, 3]  # its log so far is kept
    assert Store().get_run(doomed)["error"] == str(lost(node=False))
    nxt = wait_for(runner, after, timeout=30)
    assert nxt["status"] == "done" and nxt["result"]["steps"] == 3
    assert runner._worker.is_alive()


def test_a_cluster_that_does_not_answer_fails_the_job_with_a_sentence(monkeypatch):
    pytest.importorskip("ray")
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"ray://127.0.0.1:{port}"
    monkeypatch.setenv("LAB_RAY_ADDRESS", address)
    runner = build_runner(Store())  # the app's own runner: the address alone chooses the backend
    assert isinstance(runner.backend, RayBackend) and runner.backend.address == address
    try:
        started = time.time()
        first = wait_for(runner, runner.submit("ann", "tokenizer", TokenizerConfig(vocab_size=150)), timeout=20)
        second = wait_for(runner, runner.submit("bob", "tokenizer", TokenizerConfig(vocab_size=200)), timeout=20)
        assert first["status"] == second["status"] == "failed"
        assert first["error"] == second["error"] == str(unreachable(address)) and address in first["error"]
        assert time.time() - started < 10 and runner._worker.is_alive()  # the app keeps serving
        assert Store().get_run(first["id"])["status"] == "failed"
    finally:
        runner.shutdown()


def test_a_runs_files_come_home_from_the_tasks_own_folder(runner, data_dir, tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    (uploads / "abc").mkdir(parents=True)
    corpus = uploads / "abc" / "corpus.txt"
    corpus.write_text("\n".join(CORPUS * 3))
    config = TokenizerConfig(vocab_size=150, corpus=str(corpus), sample="my robotaxi")
    job_id = runner.submit("ann", "tokenizer", config)
    snap = wait_for(runner, job_id, timeout=90)
    assert snap["status"] == "done", snap["error"]
    where = next(e for e in snap["events"] if e["type"] == "where")
    # The task worked in a folder of its own, read the upload from there, and the node kept nothing.
    assert not Path(where["cwd"]).is_relative_to(data_dir) and not Path(where["data_dir"]).is_relative_to(data_dir)
    assert Path(where["corpus"]).is_relative_to(where["cwd"]) and Path(where["corpus"]).name == "corpus.txt"
    assert not Path(where["cwd"]).exists()
    folder = run_folder(job_id)
    assert folder.is_relative_to(data_dir) and (folder / "tokenizer" / "tokenizer.json").is_file()
    assert snap["result"]["tokenizer_path"] == str(folder / "tokenizer")  # paths in the result moved home
    assert Path(snap["result"]["zip"]).is_file() and Path(snap["result"]["zip"]).parent == folder
    assert snap["result"]["sample"]["new"][1][0] == "robotaxi"
    # A later run on another node builds on this one: its run:<id> travels with the job, and back.
    tiny = dict(hidden=16, layers=1, heads=2, intermediate=32, max_positions=32, block_size=16, batch_size=16)
    pre = wait_for(runner, runner.submit("ann", "pretrain", PretrainConfig(
        **tiny, tokenizer=f"run:{job_id}", corpus=str(corpus), steps=2, eval_every=1)), timeout=90)
    assert pre["status"] == "done", pre["error"]
    model = Path(pre["result"]["model_path"])
    assert model == run_folder(pre["id"]) / "model" and (model / "config.json").is_file()
    assert '"vocab_size": %d' % snap["result"]["vocab_size"] in (model / "config.json").read_text()
