"""The worker running each job in a child process: events, results, cancel, budgets and crashes.

Handlers live in tests/isolated_handlers.py (a child imports them by "module:function").
"""
from __future__ import annotations

import os
import time

import pytest

from lab.serve.runner import Runner
from tests.test_jobs import steps, wait_for, wait_for_steps

H = "tests.isolated_handlers:"
KINDS = {name: H + name for name in ("count", "strict_count", "raise_error", "user_mistake", "exit_hard",
                                     "killed", "ignore_cancel", "unpicklable", "refaults")}


@pytest.fixture()
def runner():
    runner = Runner(KINDS, isolate=True, max_per_owner=10, cancel_grace_s=1.0)
    yield runner
    runner.shutdown()


def test_events_and_the_result_come_back_from_a_child(runner, data_dir):
    job_id = runner.submit("a", "count", {"n": 5})
    snap = wait_for(runner, job_id)
    assert snap["status"] == "done"
    assert [e["step"] for e in steps(snap)] == [1, 2, 3, 4, 5]
    assert [e["type"] for e in snap["events"]][0] == "status" and snap["events"][-1]["status"] == "done"
    assert snap["result"]["steps"] == 5
    assert snap["result"]["pid"] != os.getpid()  # it really ran elsewhere
    assert snap["result"]["data_dir"] == str(data_dir)  # with this test's environment, not the forkserver's
    assert snap["result"]["process_name"] == "MainProcess"  # seeded masking collators check it
    assert all(e["pid"] == snap["result"]["pid"] for e in steps(snap))


def test_a_child_reuses_the_large_blocks_it_frees(runner):
    """keep_freed_memory: a 64 MB buffer freed and allocated again comes back from the heap, not as fresh
    pages from the kernel (which fault in, one per 4 KB page, every time)."""
    snap = wait_for(runner, runner.submit("a", "refaults", {}))
    assert snap["status"] == "done"
    assert snap["result"]["faults"] < snap["result"]["pages"] // 20


def test_cancel_stops_the_child_within_one_step_and_keeps_its_result(runner):
    job_id = runner.submit("a", "count", {"n": 10_000, "pause": 0.05})
    wait_for_steps(runner, job_id, 3)
    assert runner.cancel(job_id, owner="a")
    at_cancel = len(steps(runner.snapshot(job_id)))
    snap = wait_for(runner, job_id)
    assert snap["status"] == "cancelled" and snap["error"] == "Stopped by the user; what finished before is kept."
    # one step may be in flight in the child, and the parent mirrors the flag every 50 ms
    assert len(steps(snap)) <= at_cancel + 3
    assert snap["result"]["steps"] == len(steps(snap))  # partial result kept


def test_a_handler_that_raises_cancelled_ends_cancelled_without_a_result(runner):
    job_id = runner.submit("a", "strict_count", {"n": 10_000, "pause": 0.05})
    wait_for_steps(runner, job_id, 2)
    runner.cancel(job_id)
    snap = wait_for(runner, job_id)
    assert snap["status"] == "cancelled" and snap["result"] is None


def test_a_time_budget_stops_the_job_and_keeps_what_finished(runner):
    job_id = runner.submit("a", "count", {"n": 10_000, "pause": 0.05})
    runner._jobs[job_id].budget_s = 0.5
    snap = wait_for(runner, job_id)
    assert snap["status"] == "cancelled"
    assert snap["error"] == ("Stopped at its time budget of 0.5 s; what finished before is kept. "
                             "Lower the steps or the batch size to fit.")
    assert 1 <= snap["result"]["steps"] < 10_000
    assert snap["finished"] - snap["started"] < 5


def test_a_child_that_ignores_cancel_is_killed_after_the_grace_period(runner):
    job_id = runner.submit("a", "ignore_cancel", {"sleep": 60})
    wait_for_steps(runner, job_id, 1)
    runner.cancel(job_id)
    started = time.time()
    snap = wait_for(runner, job_id, timeout=20)
    assert snap["status"] == "cancelled" and time.time() - started < 10


@pytest.mark.parametrize("kind, error", [
    ("raise_error", "The job failed: RuntimeError: the child broke"),
    ("user_mistake", "Pick a smaller vocabulary."),
    ("exit_hard", "The job's process exited with code 3 before it finished; its log shows how far it got."),
    ("killed", "The job's process was killed (SIGKILL), most likely because the machine ran out of memory; "
               "try fewer methods, a smaller batch or shorter texts."),
    ("unpicklable", "The job failed: the job's result could not be sent back"),
])
def test_a_crash_fails_only_that_job_and_the_next_one_runs(runner, kind, error):
    bad = runner.submit("a", kind, {})
    good = runner.submit("b", "count", {"n": 2})
    snap = wait_for(runner, bad)
    assert snap["status"] == "failed" and snap["error"].startswith(error)
    if kind == "raise_error":
        assert any("Traceback" in e.get("message", "") for e in snap["events"])
    assert wait_for(runner, good)["result"]["steps"] == 2
    assert runner._worker.is_alive()


def test_a_budget_also_stops_an_in_thread_job():
    runner = Runner({"count": H + "count"}, isolate=False)
    job_id = runner.submit("a", "count", {"n": 10_000, "pause": 0.02})
    runner._jobs[job_id].budget_s = 0.3
    snap = wait_for(runner, job_id)
    assert snap["status"] == "cancelled" and "time budget of 0.3 s" in snap["error"]
    assert snap["result"]["pid"] == os.getpid() and snap["result"]["steps"] >= 1
    runner.shutdown()
