"""A class of simulated users against the served app while a fine-tuning job trains.

    .venv/bin/python bench/load.py --users 30 --json load.json
    .venv/bin/python bench/load.py --users 30 --app-dir ../old-checkout   # the same bench, older code

The app (app.py of --app-dir) runs in a subprocess on loopback. A teacher submits a full fine-tuning
of the packaged MiniLM and watches it through one slow probe (a fine-tuning tab tick every 2 s).
For the first --alone steps nobody else is there; then N users (gradio_client, no rendering) each
open the app, run a pipeline call, submit a short tokenizer job (refusals by the lab's limits count
as clean) and poll the fine-tuning tab like an open page (every --poll s) until the training ends.
Training s/step alone and with the watchers come from the run's own step timings (its history),
so step_slowdown compares the two phases of the same run. Then the bench waits for the users' jobs.

Prints p50/p95 of a poll and of the pipeline call, jobs submitted / completed / cleanly refused,
whether the worker kept running jobs, s/step alone and watched; --json OUT writes them all.
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from pathlib import Path

from served import ROOT, App, Endpoints, api_name, percentile

REFUSAL = re.compile(r"lab-msg")  # a refusal comes back as the lab's one-sentence message box
ENDED = ("done", "failed", "cancelled")


def owner_for(client, endpoints: Endpoints) -> str:
    """A fresh owner id the way a page gets one (demo.load), else a made-up one (older apps)."""
    for dep in endpoints.deps:
        if "ensure_owner" in (dep.get("api_name") or ""):
            return client.predict("", api_name=api_name(dep))
    return uuid.uuid4().hex


def status_line(client, owner: str, tick: dict, last: str) -> str:
    """The fine-tuning tab's status line after one tick (a tick with nothing new leaves it as it was)."""
    value = client.predict(owner, api_name=api_name(tick))[0]  # gr.State outputs are not returned
    return value if isinstance(value, str) else last


def step_of(status: str) -> int:
    found = re.search(r"step (\d+)/", status or "")
    return int(found.group(1)) if found else 0


class User(threading.Thread):
    def __init__(self, url: str, poll: float, stop: threading.Event, stats: dict, lock: threading.Lock):
        super().__init__(daemon=True)
        self.url, self.poll, self.stop, self.stats, self.lock = url, poll, stop, stats, lock
        self.polling = threading.Event()

    def record(self, key: str, value=1):
        with self.lock:
            if isinstance(self.stats[key], list):
                self.stats[key].append(value)
            else:
                self.stats[key] += value

    def run(self):
        from gradio_client import Client
        try:
            client = Client(self.url, verbose=False)
            endpoints = Endpoints(client.config)
            owner = owner_for(client, endpoints)
            pipeline = endpoints.find("click", "pipeline-run")
            started = time.perf_counter()
            client.predict(*endpoints.inputs(pipeline), api_name=api_name(pipeline))
            self.record("pipeline_seconds", time.perf_counter() - started)
            tokenizer = endpoints.find("click", "tokenizer-train")
            values = endpoints.inputs(tokenizer, tok_vocab=500)
            values[0] = owner
            note = client.predict(*values, api_name=api_name(tokenizer))
            self.record("refused" if REFUSAL.search(str(note)) else "submitted")
            tick = endpoints.find("tick", "finetune-status", where="outputs")
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the bench
            self.record("failed_requests")
            self.record("errors", f"{type(exc).__name__}: {exc}")
            self.polling.set()
            return
        self.polling.set()
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                client.predict(owner, api_name=api_name(tick))
                self.record("poll_seconds", time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001
                self.record("failed_requests")
                self.record("errors", f"{type(exc).__name__}: {exc}")
            self.stop.wait(max(0.0, self.poll - (time.perf_counter() - started)))


def seconds_per_step(points: list[tuple[float, float]], first: int, last: int) -> float | None:
    """Mean s/step over steps (first, last] from (step, seconds since training began) points."""
    at = dict(points)
    if first not in at or last not in at or last <= first:
        return None
    return (at[last] - at[first]) / (last - first)


def run(args) -> dict:
    from gradio_client import Client

    app = App(Path(args.app_dir))
    try:
        teacher = Client(app.url, verbose=False)
        endpoints = Endpoints(teacher.config)
        owner = owner_for(teacher, endpoints)
        pipeline = endpoints.find("click", "pipeline-run")
        teacher.predict(*endpoints.inputs(pipeline), api_name=api_name(pipeline))  # the model is loaded once
        compare = endpoints.find("click", "finetune-run")
        tick = endpoints.find("tick", "finetune-status", where="outputs")
        total = args.warmup + args.alone + args.watched
        values = endpoints.inputs(compare, finetune_methods=["full"], finetune_steps=total)
        values[0] = owner
        teacher.predict(*values, api_name=api_name(compare))
        stats = {"poll_seconds": [], "pipeline_seconds": [], "submitted": 0, "refused": 0,
                 "failed_requests": 0, "errors": []}
        lock, stop, users = threading.Lock(), threading.Event(), []
        switch, watched_from, status, deadline = None, None, "", time.time() + args.timeout
        while time.time() < deadline:
            status = status_line(teacher, owner, tick, status)
            step = step_of(status)
            if switch is None and step >= args.warmup + args.alone:
                switch = step
                users = [User(app.url, args.poll, stop, stats, lock) for _ in range(args.users)]
                for user in users:
                    user.start()
                for user in users:
                    user.polling.wait(120)
                status = status_line(teacher, owner, tick, status)
                watched_from = step_of(status)
            if any(word in status for word in ("**Done**", "**Failed**", "**Stopped**")):
                break
            time.sleep(args.probe)
        stop.set()
        for user in users:
            user.join(30)
        runs = app.runs()
        training = next(r for r in runs if r["kind"] == "finetune")
        ends = time.time() + args.job_timeout
        while time.time() < ends and any(r["status"] not in ENDED for r in app.runs()):
            time.sleep(1)
        runs = app.runs()
        points = app.points(training["id"], "full/step/seconds")
        last = int(max((p[0] for p in points), default=0))
        alone = seconds_per_step(points, args.warmup, switch or 0)
        watched = seconds_per_step(points, (watched_from or 0) + 1, last) if watched_from else None
        jobs = [r for r in runs if r["kind"] == "tokenizer"]
        return {
            "users": args.users, "app_dir": str(Path(args.app_dir).resolve()),
            "training_status": next(r for r in runs if r["id"] == training["id"])["status"],
            "steps": last, "alone_steps": [args.warmup, switch], "watched_steps": [watched_from, last],
            "seconds_per_step_alone": alone, "seconds_per_step_watched": watched,
            "step_slowdown": watched / alone if alone and watched else None,
            "polls": len(stats["poll_seconds"]),
            "p50_poll_seconds": percentile(stats["poll_seconds"], 50),
            "p95_poll_seconds": percentile(stats["poll_seconds"], 95),
            "p50_pipeline_seconds": percentile(stats["pipeline_seconds"], 50),
            "p95_pipeline_seconds": percentile(stats["pipeline_seconds"], 95),
            "jobs_submitted": stats["submitted"], "jobs_refused": stats["refused"],
            "jobs_completed": sum(r["status"] == "done" for r in jobs),
            "jobs_failed": sum(r["status"] == "failed" for r in jobs),
            "lost_jobs": stats["submitted"] - sum(r["status"] in ENDED for r in jobs),
            "failed_requests": stats["failed_requests"], "errors": stats["errors"][:10],
            "worker_alive": app.alive() and all(r["status"] in ENDED for r in runs),
        }
    finally:
        app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--app-dir", default=str(ROOT), help="The checkout whose app.py is served.")
    parser.add_argument("--warmup", type=int, default=3, help="First steps left out (model load, first batches).")
    parser.add_argument("--alone", type=int, default=15, help="Steps timed with no user there.")
    parser.add_argument("--watched", type=int, default=20, help="Steps trained while the users are there.")
    parser.add_argument("--poll", type=float, default=0.5, help="Seconds between a user's polls (a page's timer).")
    parser.add_argument("--probe", type=float, default=2.0, help="Seconds between the teacher's polls.")
    parser.add_argument("--timeout", type=float, default=1800, help="Give up on the training after this long.")
    parser.add_argument("--job-timeout", type=float, default=600, help="Wait this long for the users' jobs.")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    result = run(args)
    for key, value in result.items():
        print(f"{key:28s} {value:.3f}" if isinstance(value, float) else f"{key:28s} {value}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
