"""A class presses Compare at once: how long the last student waits, against one such job alone.

    .venv/bin/python bench/classroom.py --students 30 --json classroom.json
    .venv/bin/python bench/classroom.py --students 30 --distinct 3
    .venv/bin/python bench/classroom.py --students 30 --app-dir ../old-checkout   # the same bench, older code

The app (app.py of --app-dir) runs in a subprocess on loopback with `--slots` job slots (LAB_WORKERS)
and the job backend `--backend` (LAB_BACKEND; "local": a child process per job on this machine; "ray":
a Ray actor per job, on LAB_RAY_ADDRESS or a Ray instance the app starts on this machine).
First one student alone runs the job (a seed none of the class uses, so it is nothing they can
share): `one_job_seconds` is that student's wait from submit to result. Then N students, each with
its own owner token (minted by the app's own page-load endpoint), submit a fine-tuning comparison
through the app's API (`/compare`, as the page's button does) within `--window` seconds; `--distinct
K` gives them K different settings (the seed), student i the (i mod K)-th. Each student's wait ends
when its own run is done in the app's history, and its page's status line (one tick of the fine-tuning
tab, with its token) then says Done.

The job is short on purpose (LoRA, --steps steps, batch 16, on the packaged MiniLM and the built-in
tweets, eval on 64 rows): the ratio carries the point. `trainings_run` counts the trainings that
really ran: runs with the same settings and the same measured training time (a float no two
trainings share) were one training.

Prints and writes (--json OUT): students, distinct_settings, trainings_run, one_job_seconds,
max_wait_seconds, median_wait_seconds, wait_ratio (= max_wait / one_job), failed_requests, lost_jobs,
backend, slots, and the app directory.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import threading
import time
from pathlib import Path

from served import ROOT, App, Endpoints, api_name

REFUSAL = re.compile(r"lab-msg")  # a refusal comes back as the lab's one-sentence message box
ENDED = ("done", "failed", "cancelled", "interrupted")


def owner_token(client, endpoints: Endpoints) -> str:
    """A fresh signed owner token, the way a page gets one when it loads."""
    for dep in endpoints.deps:
        if "ensure_owner" in (dep.get("api_name") or ""):
            return client.predict("", api_name=api_name(dep))
    raise LookupError("the app has no owner endpoint")


def finished_runs(app: App) -> dict[str, dict]:
    """{owner id: its newest fine-tuning run} from the app's history."""
    with sqlite3.connect(app.data / "runs.sqlite", timeout=10) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT id, owner, status, result, created FROM runs WHERE kind='finetune' "
                          "ORDER BY created").fetchall()
    return {r["owner"]: dict(r) for r in rows}


class Student(threading.Thread):
    """Opens the app, gets its token, waits for the class's start signal, presses Compare."""

    def __init__(self, url: str, seed: int, steps: int, go: threading.Event, ready: threading.Barrier):
        super().__init__(daemon=True)
        self.url, self.seed, self.steps, self.go, self.ready = url, seed, steps, go, ready
        self.token = self.owner = None
        self.submitted = self.error = None

    def run(self) -> None:
        from gradio_client import Client

        try:
            self.client = Client(self.url, verbose=False)
            self.endpoints = Endpoints(self.client.config)
            self.token = owner_token(self.client, self.endpoints)
            self.owner = self.token.split(".")[0]
            compare = self.endpoints.find("click", "finetune-run")
            values = self.endpoints.inputs(compare, finetune_methods=["lora"], finetune_steps=self.steps,
                                           finetune_seed=self.seed, finetune_eval_size=64)
            values[0] = self.token
        except Exception as exc:  # noqa: BLE001 - every failure is counted
            self.error = f"{type(exc).__name__}: {exc}"
            self.ready.abort()
            return
        self.ready.wait()
        self.go.wait()
        self.submitted = time.time()
        try:
            note = self.client.predict(*values, api_name=api_name(compare))
            if REFUSAL.search(str(note[0] if isinstance(note, (list, tuple)) else note)):
                self.error = f"refused: {note}"
        except Exception as exc:  # noqa: BLE001
            self.error = f"{type(exc).__name__}: {exc}"

    def page_says_done(self) -> bool:
        tick = self.endpoints.find("tick", "finetune-status", where="outputs")
        status = self.client.predict(self.token, api_name=api_name(tick))[0]
        return isinstance(status, str) and "**Done**" in status


def wait_for_runs(app: App, owners: list[str], timeout: float) -> dict[str, dict]:
    """Polls the history until every owner's run has ended; {owner: run} with the time each was seen ending."""
    seen: dict[str, dict] = {}
    deadline = time.time() + timeout
    while time.time() < deadline and len(seen) < len(owners):
        runs = finished_runs(app)
        for owner in owners:
            run = runs.get(owner)
            if owner not in seen and run and run["status"] in ENDED:
                seen[owner] = {**run, "seen": time.time()}
        time.sleep(0.2)
    return seen


def trainings(runs: list[dict]) -> int:
    """Distinct trainings: same settings and same measured training time were one training."""
    prints = set()
    for run in runs:
        result = json.loads(run["result"] or "{}")
        prints.add((json.dumps(result.get("settings"), sort_keys=True), result.get("total_seconds")))
    return len(prints)


def run(args) -> dict:
    env = {"LAB_WORKERS": str(args.slots), "LAB_BACKEND": args.backend}
    if args.backend == "ray":  # LAB_RAY_ADDRESS, else a local Ray instance; each slot's job an equal share of the CPUs
        import sys

        sys.path.insert(0, str(ROOT))
        from lab.serve.ray_backend import serve_env

        env.update(serve_env(args.slots, address=os.environ.get("LAB_RAY_ADDRESS") or "local"))
    app = App(Path(args.app_dir), env=env)
    try:
        alone_go, alone_ready = threading.Event(), threading.Barrier(1)
        alone = Student(app.url, 10_000, args.steps, alone_go, alone_ready)
        alone.start()
        time.sleep(0.5)
        alone_go.set()
        alone.join(120)
        solo = wait_for_runs(app, [alone.owner], args.timeout).get(alone.owner) if alone.owner else None
        one_job = solo["seen"] - alone.submitted if solo and solo["status"] == "done" else None

        go, ready = threading.Event(), threading.Barrier(args.students + 1)
        students = [Student(app.url, i % args.distinct, args.steps, go, ready) for i in range(args.students)]
        for student in students:
            student.start()
        try:
            ready.wait(300)  # every page is open and holds its token
        except threading.BrokenBarrierError:
            pass
        go.set()
        for student in students:
            student.join(args.window + 120)
        submitted = [s for s in students if s.submitted and not s.error]
        window = (max(s.submitted for s in submitted) - min(s.submitted for s in submitted)) if submitted else None
        ended = wait_for_runs(app, [s.owner for s in submitted], args.timeout)
        waits = [ended[s.owner]["seen"] - s.submitted for s in submitted
                 if s.owner in ended and ended[s.owner]["status"] == "done"]
        pages_done = sum(1 for s in submitted if s.owner in ended and s.page_says_done())
        failed = sum(1 for s in students if s.error)
        class_runs = [ended[s.owner] for s in submitted if s.owner in ended]
        return {
            "students": args.students, "distinct_settings": args.distinct,
            "trainings_run": trainings([r for r in class_runs if r["status"] == "done"]),
            "one_job_seconds": one_job, "max_wait_seconds": max(waits) if waits else None,
            "median_wait_seconds": statistics.median(waits) if waits else None,
            "wait_ratio": max(waits) / one_job if waits and one_job else None,
            "failed_requests": failed + sum(1 for s in submitted if s.owner in ended) - pages_done,
            "lost_jobs": len(submitted) - len(waits),
            "backend": args.backend, "slots": args.slots, "steps": args.steps,
            "submit_window_seconds": window, "pages_that_said_done": pages_done,
            "errors": [s.error for s in students if s.error][:5], "app_dir": str(Path(args.app_dir).resolve()),
        }
    finally:
        app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--distinct", type=int, default=1, help="How many different settings the class asks for.")
    parser.add_argument("--slots", type=int, default=1, help="Job slots of the served app (LAB_WORKERS).")
    parser.add_argument("--backend", default="local", help="Where jobs run (LAB_BACKEND): local, or ray (LAB_RAY_ADDRESS, else a local Ray instance).")
    parser.add_argument("--steps", type=int, default=10, help="LoRA steps of the job each student submits.")
    parser.add_argument("--window", type=float, default=3.0, help="Seconds within which the class submits.")
    parser.add_argument("--timeout", type=float, default=3600, help="Give up on the runs after this long.")
    parser.add_argument("--app-dir", default=str(ROOT), help="The checkout whose app.py is served.")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    result = run(args)
    for key, value in result.items():
        print(f"{key:24s} {value:.3f}" if isinstance(value, float) else f"{key:24s} {value}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
