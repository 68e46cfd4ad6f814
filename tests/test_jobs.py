"""The shared worker: order, cursors, cancel, failures, limits."""
from __future__ import annotations

import threading
import time

import pytest

from lab.errors import LabError
from lab.serve.runner import Runner


def wait_for(runner, job_id, statuses=("done", "failed", "cancelled"), timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        snap = runner.snapshot(job_id)
        if snap["status"] in statuses:
            return snap
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} still {runner.snapshot(job_id)['status']}")


def steps(snap) -> list[dict]:
    return [e for e in snap["events"] if e["type"] == "step"]


def wait_for_steps(runner, job_id, n, timeout=60) -> dict:
    """The job's snapshot once at least `n` step events have arrived."""
    deadline = time.time() + timeout
    while len(steps(runner.snapshot(job_id))) < n:
        assert time.time() < deadline, f"fewer than {n} steps arrived"
        time.sleep(0.01)
    return runner.snapshot(job_id)


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
    from lab.kinds import JOB_KINDS
    from lab.serve.child import load

    for kind, target in JOB_KINDS.items():
        assert callable(load(target)), kind


def test_a_stopped_job_keeps_the_result_its_handler_returned():
    def partial(cfg, ctx):
        done = {}
        for step in range(1000):
            if ctx.cancelled:
                break
            done[step] = step
            time.sleep(0.01)
        return {"finished": len(done)}

    runner = Runner({"partial": partial})
    job_id = runner.submit("a", "partial", {})
    while runner.snapshot(job_id)["status"] != "running":
        time.sleep(0.01)
    time.sleep(0.05)
    assert runner.cancel(job_id, owner="b") is False  # a stranger cannot stop it
    assert runner.cancel(job_id, owner="a")
    snap = wait_for(runner, job_id)
    assert snap["status"] == "cancelled" and snap["result"]["finished"] > 0 and "kept" in snap["error"]
    runner.shutdown()


def test_a_job_past_its_time_budget_stops_itself_and_says_so():
    def forever(cfg, ctx):
        while not ctx.cancelled:
            time.sleep(0.01)
        return {"partial": True}

    runner = Runner({"forever": forever}, check=lambda kind, cfg, owner, local: (cfg, 0.3, []))
    snap = wait_for(runner, runner.submit("a", "forever", {}), timeout=10)
    assert snap["status"] == "cancelled" and "time budget" in snap["error"] and snap["result"] == {"partial": True}
    runner.shutdown()


def test_the_instructor_stops_anyone_s_job(gate):
    runner, _ = make_runner(gate)
    job_id = runner.submit("student", "record", {"n": 1})
    assert runner.cancel(job_id, owner="instructor-page", admin=True)
    assert wait_for(runner, job_id)["status"] == "cancelled"
    gate.set()
    runner.shutdown()


def test_a_store_failure_at_submit_queues_nothing(gate):
    class BrokenStore:
        def create_run(self, *args):
            raise OSError("disk full")

    runner = Runner({"record": lambda cfg, ctx: {}}, store=BrokenStore())
    with pytest.raises(LabError, match="could not be saved"):
        runner.submit("a", "record", {"n": 1})
    assert runner.jobs() == []
    runner.shutdown()
