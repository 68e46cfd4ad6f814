"""What measuring the peak costs: one method trained with the lab's memory measurement and without it.

    python bench/memory_cost.py [--method lora] [--steps 72] [--rounds 2] [--json OUT]

The lab's own train_method on MiniLM and the tweets (default settings), `rounds` times each way, the two
ways alternating in one process. "with" is the lab as it runs (TensorMemory + MemoryCallback: the CPU
profiler watches loading, the first 3 steps and each step whose batch is larger than every batch watched
before); "without" replaces both with nothing. Prints CPU and wall seconds per step for watched and
unwatched steps, the steps watched, and train seconds each way: the slowdown the measurement costs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Context:
    """A job context that keeps each step event's process CPU time and wall time."""
    job_id, cancelled = "bench-memory-cost", False

    def __init__(self):
        self.marks = [(0, time.process_time(), time.perf_counter())]

    def emit(self, type, **fields):
        if type == "step":
            self.marks.append((fields["step"], time.process_time(), time.perf_counter()))

    def log(self, message):
        pass

    def per_step(self) -> dict[int, tuple[float, float]]:
        return {step: (cpu - self.marks[i][1], wall - self.marks[i][2])
                for i, (step, cpu, wall) in enumerate(self.marks[1:])}


class Unmeasured:
    """Stands in for TensorMemory and MemoryCallback: measures nothing."""
    peak_bytes, phase_peaks, source, seconds = 0, {}, "none", 0.0

    def __init__(self, *args, **kwargs):
        pass

    def start(self):
        return self

    def phase(self, name):
        pass

    def stop(self):
        return 0


def train(method: str, steps: int, measured: bool) -> dict:
    from transformers import AutoTokenizer, TrainerCallback

    import lab.kinds.finetune.job as job
    import lab.training as training
    from lab.config import FinetuneConfig
    from lab.kinds.finetune.data import make_plan

    cfg = FinetuneConfig(methods=method, steps=steps, save_models=False)
    plan = make_plan(cfg)
    tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
    train_ds = job.encode(plan.train, tokenizer, plan.labels, cfg.max_length)
    eval_ds = job.encode(plan.evaluation[:32], tokenizer, plan.labels, cfg.max_length)
    saved = job.TensorMemory, training.MemoryCallback
    if not measured:
        job.TensorMemory = Unmeasured
        training.MemoryCallback = lambda memory: TrainerCallback()
    ctx = Context()
    try:
        result = job.train_method(method, plan, cfg, ctx, tokenizer, train_ds, eval_ds)
    finally:
        job.TensorMemory, training.MemoryCallback = saved
    watched = sorted({int(name.split()[1].rstrip(":")) for name in result["measured_phase_bytes"]
                      if name.startswith("step ")})
    return {"per_step": ctx.per_step(), "watched": watched, "train_seconds": result["train_seconds"],
            "peak_bytes": result["peak_memory_bytes"]}


def summary(runs: list[dict], steps: set[int] | None) -> tuple[float, float, int]:
    cpu, wall = [], []
    for run in runs:
        for step, (c, w) in run["per_step"].items():
            if steps is None or step in steps:
                cpu.append(c)
                wall.append(w)
    return statistics.median(cpu), statistics.median(wall), len(cpu)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--method", default="lora")
    parser.add_argument("--steps", type=int, default=72)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-memory-cost-"))
    runs = {True: [], False: []}
    for _ in range(args.rounds):
        for measured in (False, True):
            runs[measured].append(train(args.method, args.steps, measured))
    watched = set(runs[True][0]["watched"])
    later = {s for s in watched if s > 3}
    everything = set(range(1, args.steps + 1))
    rows = {
        "without, every step": summary(runs[False], None),
        "with, unwatched steps": summary(runs[True], everything - watched),
        "with, watched steps 1-3": summary(runs[True], watched - later),
        "with, later watched steps": summary(runs[True], later) if later else (0.0, 0.0, 0),
        "without, the same later steps": summary(runs[False], later) if later else (0.0, 0.0, 0),
    }
    print(f"{args.method}, {args.steps} steps, {args.rounds} rounds each way; steps watched: {sorted(watched)}; "
          f"peak {runs[True][0]['peak_bytes'] / 1e6:.1f} MB")
    for name, (cpu, wall, n) in rows.items():
        print(f"{name:<32} median CPU {cpu:.3f} s/step, wall {wall:.3f} s/step  (n={n})")
    with_s = statistics.mean(r["train_seconds"] for r in runs[True])
    without_s = statistics.mean(r["train_seconds"] for r in runs[False])
    print(f"train seconds: with {with_s:.1f}, without {without_s:.1f}: x{with_s / without_s:.3f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"rows": rows, "watched": sorted(watched), "train_seconds_with": with_s,
                                                   "train_seconds_without": without_s}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
