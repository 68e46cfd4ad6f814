"""What running a job on Ray costs against a child process of the app: event delay and job overhead.

    .venv/bin/python bench/ray_jobs.py --jobs 5 --json ray_jobs.json
    .venv/bin/python bench/ray_jobs.py --address ray://head:10001   # a real cluster instead of a local one

Both backends run the same jobs through the runner's seam (`run(job, target, on_event, watch)`):
`--jobs` jobs of `--steps` steps, each step an event stamped with the wall clock as it is emitted and a
sleep of `--pause` s (no CPU, so the two backends are measured, not the work). Per event: the delay
from its emit to the app's on_event. Per job: the overhead, the job's wall time in the app minus the
handler's own time (starting the process or actor, shipping the config and run folder, collecting
the outcome). With `--real`, also the whole wall time of one real tokenizer job (the packaged tweets,
a 300-token vocabulary) on each: the difference adds importing transformers where the process did not
preload it.
Prints p50/p95/max of both; --json OUT writes them. The local Ray instance gets this machine's CPUs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # Ray's local workers import the handlers from the driver's working folder


def stamp(cfg, ctx):
    started = time.time()
    for step in range(1, cfg["steps"] + 1):
        ctx.emit("step", step=step, wall=time.time())
        time.sleep(cfg["pause"])
    return {"work_s": time.time() - started}


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": round(pick(0.5), 4), "p95": round(pick(0.95), 4), "max": round(ordered[-1], 4), "n": len(values)}


def measure(run, jobs: int, cfg: dict, target="bench.ray_jobs:stamp") -> dict:
    from lab.serve.job import Job

    delays, overheads = [], []
    for n in range(jobs):
        job = Job(id=f"bench{n}{int(time.time() * 1000)}", owner="bench", kind="tokenizer", config=cfg)
        job.started = time.time()
        seen = lambda event: "wall" in event and delays.append(time.time() - event["wall"])  # noqa: E731
        outcome = run(job, target, seen, lambda: None)
        assert outcome[0] == "result", outcome
        overheads.append(time.time() - job.started - outcome[1].get("work_s", 0.0))
    return {"event_delay_s": percentiles(delays) if delays else None, "job_overhead_s": percentiles(overheads)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="local", help="local, auto or ray://host:port")
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--real", action="store_true", help="also one tokenizer job on each backend")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="lab-bench-ray-"))
    os.environ.setdefault("LAB_RAY_CPUS", "1")

    from lab.config import TokenizerConfig
    from lab.serve import child
    from lab.serve.backend import LocalBackend
    from lab.serve.ray_backend import RayBackend

    local = LocalBackend(isolate=True, preload=child.HEAVY_MODULES)
    local.warm()
    backends = {"child": local.run, "ray": None}
    started = time.time()
    ray_backend = RayBackend(args.address, object_store_mb=256 if args.address == "local" else None)
    ray_backend.connect()
    connect_s = round(time.time() - started, 2)
    backends["ray"] = ray_backend.run
    cfg = {"steps": args.steps, "pause": args.pause}
    report = {"address": args.address, "ray_connect_s": connect_s, "jobs": args.jobs, "steps": args.steps,
              "pause_s": args.pause, "cores": os.cpu_count()}
    for name, run in backends.items():
        measure(run, 1, {"steps": 1, "pause": 0})  # the first job of each warms what it reuses
        report[name] = measure(run, args.jobs, cfg)
        if args.real:
            report[name]["tokenizer_job_wall_s"] = measure(
                run, 1, TokenizerConfig(vocab_size=300, batch_size=2000),
                target="lab.kinds.tokenizer:tokenizer_job")["job_overhead_s"]["max"]
    ray_backend.shutdown()
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
