"""The shared worker: order, cursors, cancel, failures, limits."""
from __future__ import annotations

import threading
import time

import pytest

from lab.errors import LabError
from lab.jobs import Runner


def wait_for(runner, job_id, statuses=("done", "failed", "cancelled"), timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        snap = runner.snapshot(job_id)
        if snap["status"] in statuses:
            return snap
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} still {runner.snapshot(job_id)['status']}")


@pytest.fixture()
def gate():
    return threading.Event()


def make_runner(gate, **limits):
    order = []

    def record(cfg, ctx):
        gate.wait(10)
        order.append(cfg["n"])
        ctx.emit("step", step=cfg["n"])
        return {"n": cfg["n"]}

    def fail(cfg, ctx):
        raise ValueError("boom")

    def user_mistake(cfg, ctx):
        raise LabError("Pick a smaller vocabulary.")

    runner = Runner({"record": record, "fail": fail, "mistake": user_mistake}, **limits)
    return runner, order


def test_jobs_run_one_at_a_time_in_fifo_order(gate):
    runner, order = make_runner(gate, max_per_owner=10)
    ids = [runner.submit("a", "record", {"n": n}) for n in range(5)]
    assert runner.snapshot(ids[4])["position"] >= 3
    gate.set()
    for job_id in ids:
        assert wait_for(runner, job_id)["status"] == "done"
    assert order == [0, 1, 2, 3, 4]
    assert runner.snapshot(ids[2])["result"] == {"n": 2}
    runner.shutdown()


def test_event_cursor_returns_only_new_events(gate):
    runner, _ = make_runner(gate)
    job_id = runner.submit("a", "record", {"n": 7})
    gate.set()
    wait_for(runner, job_id)
    first = runner.snapshot(job_id, since=0)
    kinds = [e["type"] for e in first["events"]]
    assert kinds == ["status", "step", "status"]
    again = runner.snapshot(job_id, since=first["cursor"])
    assert again["events"] == [] and again["cursor"] == first["cursor"]
    middle = runner.snapshot(job_id, since=1)
    assert middle["events"] == first["events"][1:]
    runner.shutdown()


def test_cancelling_a_queued_job_removes_it_from_the_queue(gate):
    runner, order = make_runner(gate)
    blocker = runner.submit("a", "record", {"n": 1})
    queued = runner.submit("b", "record", {"n": 2})
    assert runner.cancel(queued, owner="b")
    assert runner.snapshot(queued)["status"] == "cancelled"
    gate.set()
    wait_for(runner, blocker)
    time.sleep(0.1)
    assert order == [1]
    runner.shutdown()


def test_only_the_owner_can_cancel(gate):
    runner, _ = make_runner(gate)
    job_id = runner.submit("a", "record", {"n": 1})
    assert not runner.cancel(job_id, owner="someone-else")
    gate.set()
    assert wait_for(runner, job_id)["status"] == "done"
    runner.shutdown()


def test_a_failing_job_is_marked_failed_and_the_next_job_runs(gate):
    runner, order = make_runner(gate)
    gate.set()
    bad = runner.submit("a", "fail", {})
    mistake = runner.submit("b", "mistake", {})
    good = runner.submit("c", "record", {"n": 3})
    snap = wait_for(runner, bad)
    assert snap["status"] == "failed" and "ValueError: boom" in snap["error"]
    assert any("Traceback" in e.get("message", "") for e in snap["events"])
    assert wait_for(runner, mistake)["error"] == "Pick a smaller vocabulary."
    assert wait_for(runner, good)["status"] == "done" and order == [3]
    runner.shutdown()


def test_queue_limits_answer_with_a_sentence(gate):
    runner, _ = make_runner(gate, max_per_owner=2, max_queue=3)
    runner.submit("a", "record", {"n": 1})
    runner.submit("a", "record", {"n": 2})
    with pytest.raises(LabError, match="You already have 2 jobs"):
        runner.submit("a", "record", {"n": 3})
    runner.submit("b", "record", {"n": 4})
    with pytest.raises(LabError, match="queue is full"):
        runner.submit("d", "record", {"n": 6})
    with pytest.raises(LabError, match="Unknown job kind"):
        runner.submit("e", "nope", {})
    gate.set()
    runner.shutdown()


def test_every_job_kind_names_a_real_function():
    from lab.tasks import JOB_KINDS, load

    for kind, target in JOB_KINDS.items():
        assert callable(load(target)), kind
