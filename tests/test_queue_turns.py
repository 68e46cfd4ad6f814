"""The queue serves owners in turn, runs jobs side by side on its slots within the memory budget, and
tells a waiting page when its job should start and end."""
from __future__ import annotations

import threading
import time

from lab.serve import turns
from lab.serve.runner import Runner


def wait_until(condition, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


class Gated:
    """A job that records its start and waits until the test lets its run finish."""

    def __init__(self):
        self.started, self.release, self.lock = [], {}, threading.Lock()

    def __call__(self, cfg, ctx):
        with self.lock:
            self.started.append(cfg["name"])
            gate = self.release.setdefault(cfg["name"], threading.Event())
        gate.wait(20)
        return {"name": cfg["name"]}

    def finish(self, name):
        with self.lock:
            self.release.setdefault(name, threading.Event()).set()


def test_three_owners_are_served_in_turn():
    work = Gated()
    runner = Runner({"job": work}, max_per_owner=5)
    ids = {name: runner.submit(owner, "job", {"name": name})
           for owner, name in [("ann", "ann-1"), ("ann", "ann-2"), ("ann", "ann-3"), ("ben", "ben-1"),
                               ("ben", "ben-2"), ("cat", "cat-1")]}
    wait_until(lambda: work.started == ["ann-1"])
    # ann's second job waits behind every other owner's first one, though ben and cat came later
    assert [runner.snapshot(ids[n])["position"] for n in ("ben-1", "cat-1", "ann-2", "ben-2", "ann-3")] == [1, 2, 3, 4, 5]
    for name in ["ann-1", "ben-1", "cat-1", "ann-2", "ben-2", "ann-3"]:
        wait_until(lambda: work.started[-1] == name)
        work.finish(name)
    wait_until(lambda: runner.snapshot(ids["ann-3"])["status"] == "done")
    assert work.started == ["ann-1", "ben-1", "cat-1", "ann-2", "ben-2", "ann-3"]
    runner.shutdown()


def test_two_slots_run_two_owners_side_by_side_and_the_budget_counts_both():
    work = Gated()
    need = {"memory": 100, "seconds": 30.0}
    runner = Runner({"job": work}, slots=3, memory_budget=250, check=lambda kind, cfg, owner, local: (cfg, None, [], need))
    first = runner.submit("ann", "job", {"name": "a"})
    second = runner.submit("ben", "job", {"name": "b"})
    third = runner.submit("cat", "job", {"name": "c"})
    wait_until(lambda: sorted(work.started) == ["a", "b"])
    assert runner.snapshot(first)["status"] == runner.snapshot(second)["status"] == "running"
    assert runner.memory_in_use() == 200
    time.sleep(0.2)  # a slot is free, but a third job would need 300 of the 250 budgeted
    waiting = runner.snapshot(third)
    assert waiting["status"] == "queued" and waiting["position"] == 1 and sorted(work.started) == ["a", "b"]
    assert waiting["starts_in"] is not None and 25 <= waiting["starts_in"] <= 31
    assert 55 <= waiting["ends_in"] <= 61  # it starts when one of the two 30 s jobs ends, and takes 30 s
    work.finish("a")
    wait_until(lambda: "c" in work.started)
    assert runner.memory_in_use() == 200
    work.finish("b")
    work.finish("c")
    wait_until(lambda: runner.snapshot(third)["status"] == "done")
    runner.shutdown()


def test_estimates_learn_from_the_durations_seen():
    seen = turns.Durations()
    assert seen.expected("finetune", 10.0) == 10.0 and seen.expected("tokenizer", None) is None
    seen.seen("finetune", 10.0, 20.0)  # the guard was twice too optimistic here
    seen.seen("tokenizer", None, 4.0)
    assert seen.expected("finetune", 30.0) == 60.0 and seen.expected("tokenizer", None) == 4.0


def test_slots_default_to_the_machine(monkeypatch):
    monkeypatch.delenv("LAB_WORKERS", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setattr(turns, "cores", lambda: 2)
    assert turns.default_slots() == 1  # a 2-core Space: one training at a time
    monkeypatch.setattr(turns, "cores", lambda: 16)
    assert turns.default_slots() == 4 and turns.threads_per_slot(4) == 4
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    assert turns.default_slots() == 2
    monkeypatch.setenv("LAB_WORKERS", "3")
    assert turns.default_slots() == 3


def test_a_waiting_page_hears_the_queue_move():
    from lab.ui.common import Views, page_update

    work = Gated()
    need = {"memory": 0, "seconds": 20.0}
    runner = Runner({"job": work}, check=lambda kind, cfg, owner, local: (cfg, None, [], need))
    ids = [runner.submit(owner, "job", {"name": owner}) for owner in ("ann", "ben", "cat")]
    wait_until(lambda: work.started == ["ann"])
    views = Views(runner, lambda events, snap: [])
    first = page_update(views, "job", "cat", None, 0, ids[2])
    assert "position 2 of 2" in first[1] and "start in about 40 s" in first[1] and "end in about 60 s" in first[1]
    import gradio as gr
    assert page_update(views, "job", "cat", first[0], 0, ids[2]) == [gr.skip()] * 2  # nothing moved: nothing sent
    work.finish("ann")
    wait_until(lambda: work.started == ["ann", "ben"])
    moved = page_update(views, "job", "cat", first[0], 0, ids[2])
    # ann's job took a fraction of its 20 s estimate: the estimates behind it shrink to what was seen
    assert "position 1 of 1" in moved[1] and "start in about 1 s" in moved[1]
    for name in ("ben", "cat"):
        work.finish(name)
    runner.shutdown()
