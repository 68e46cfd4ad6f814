"""The fine-tuning comparison's "Done when" figures, on the defaults (MiniLM, built-in tweets, default steps).

    python bench/finetune.py [--methods full,head,lora,qlora] [--precisions auto,fp32] [--json OUT]

Prints: this machine's fp32 matmul GFLOP/s and a plain PyTorch fp32 step (MiniLM full fine-tuning,
batch 32 x 64, bench/probe.py), both measured here before and after; then, per precision in
--precisions (LAB_PRECISION for the job: auto is what the lab picks here), the default comparison's
wall time as `plain_step_equivalents` = wall / plain step (target <= 90), `normalized_seconds` = wall x
GFLOP/s / 287, eval accuracy per method (full >= 0.90, LoRA >= 0.87, classifier-only clearly below),
LoRA's trainable share (< 1%) and QLoRA's quantised linear weights against fp32 (<= 1/3). With two
precisions, the accuracy gap between them (target: within 0.01 for full and LoRA). Speed is measured,
never asserted in tests; on a shared machine the times are inflated by whatever else runs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def warm_worker() -> None:
    """Start the job processes' forkserver as the served app does at launch (lab.serve.runner warms it
    when the runner is built), and wait until it has imported torch & co. and forked once. Without this
    the first comparison alone would pay it, and the two precisions would not be measured alike."""
    from lab.serve import child

    ctx = child.context(child.HEAVY_MODULES)
    child.warm(ctx)
    probe = ctx.Process(target=os.getpid)
    probe.start()
    probe.join()


def run(cfg, chosen: str) -> dict:
    """One default comparison with LAB_PRECISION=chosen (the job's child process reads it), timed."""
    from lab.__main__ import run_job

    os.environ["LAB_PRECISION"] = chosen
    started = time.perf_counter()
    result = run_job("finetune", cfg)
    return {"wall_seconds": time.perf_counter() - started, **result}


def profile(out: dict) -> dict:
    """Seconds of the comparison's wall time by phase: outside the job (the worker's child process and
    the result's way back), preparing the data, reading the base, then each phase summed over the methods;
    `other` is what no phase accounts for (events, the copies' set-up, garbage collection)."""
    methods = out["methods"].values()
    parts = {"outside the job (worker, child process)": out["wall_seconds"] - out["total_seconds"]
             - out.get("prepare_seconds", 0),
             "preparing the data (plan, tokenizer)": out.get("prepare_seconds", 0),
             "reading the base once": out.get("base_load_seconds", 0)}
    for phase in ("load", "train", "score", "spectrum", "save"):
        parts[f"methods: {phase}"] = sum(m.get("phase_seconds", {}).get(phase, 0) for m in methods)
    parts["other"] = out["wall_seconds"] - sum(parts.values())
    # part of load and train above, not added again: the memory profiler's windows
    parts["  of which the memory watch"] = sum(m.get("phase_seconds", {}).get("memory_watch", 0) for m in methods)
    return {k: round(v, 3) for k, v in parts.items()}


def report(out: dict, cfg) -> list[tuple[str, bool]]:
    methods = out["methods"]
    print(f"[{out['precision']}] wall {out['wall_seconds']:.1f} s (inside the job {out['total_seconds']:.1f} s) = "
          f"{out['plain_step_equivalents']:.1f} plain fp32 steps; normalized_seconds {out['normalized_seconds']:.1f}")
    print(f"{'method':<14}{'lr':>8}{'acc':>7}{'f1':>7}{'s/step':>8}{'wall s':>8}{'trainable %':>13}"
          f"{'pred MB':>9}{'peak MB':>9}{'train s':>9}{'load s':>8}{'saved MB':>10}")
    for name, r in methods.items():
        print(f"{name:<14}{r['learning_rate']:>8.0e}{r['accuracy']:>7.3f}{r['f1']:>7.3f}{r['seconds_per_step']:>8.3f}"
              f"{r['wall_seconds']:>8.1f}{r['percent']:>13.4f}{r['predicted_memory_bytes']['total'] / 1e6:>9.1f}"
              f"{r['peak_memory_bytes'] / 1e6:>9.1f}{r['train_seconds']:>9.1f}{r['load_seconds']:>8.2f}"
              f"{r['saved_bytes'] / 1e6:>10.3f}")
    out["profile"] = profile(out)
    print(f"[{out['precision']}] where the wall time goes (share of {out['wall_seconds']:.1f} s; > 5% marked *):")
    for part, seconds in out["profile"].items():
        share = seconds / out["wall_seconds"]
        print(f"  {part:<34}{seconds:>7.1f} s {share:>6.1%}{' *' if share > 0.05 else ''}")
    tag = f"[{out['precision']}] "
    checks = [(tag + "plain_step_equivalents <= 90", out["plain_step_equivalents"] <= 90)]
    if "full" in methods:
        checks.append((tag + "full accuracy >= 0.90", methods["full"]["accuracy"] >= 0.90))
    if "lora" in methods:
        checks.append((tag + "LoRA accuracy >= 0.87", methods["lora"]["accuracy"] >= 0.87))
        checks.append((tag + "LoRA trains < 1% of parameters", methods["lora"]["percent"] < 1))
    if {"head", "full", "lora"} <= set(methods):
        gap = min(methods["full"]["accuracy"], methods["lora"]["accuracy"]) - methods["head"]["accuracy"]
        checks.append((tag + f"classifier-only below both (gap {gap:.3f})", gap > 0.05))
    if "qlora" in methods:
        q = methods["qlora"]
        print(f"QLoRA linear weights: {q['quantised_linear_bytes']:,} B in 4-bit vs {q['fp32_linear_bytes']:,} B in "
              f"fp32 = {q['quantised_fraction']:.3f}")
        checks.append((tag + "QLoRA quantised linear bytes <= 1/3 of fp32", q["quantised_fraction"] <= 1 / 3))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default=None)
    parser.add_argument("--steps", type=int, default=None, help="override the default steps (quick checks)")
    parser.add_argument("--precisions", default="auto,fp32",
                        help="LAB_PRECISION of each comparison, run one after the other in this process")
    parser.add_argument("--seed", type=int, default=None, help="another seed than the default (the spread of accuracies)")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-finetune-"))
    from lab.config import FinetuneConfig
    from probe import load, matmul_gflops, normalized_seconds, plain_fp32_step

    cfg = FinetuneConfig()
    if args.methods is not None:
        cfg.methods = args.methods
    if args.steps is not None:
        cfg.steps = args.steps
    if args.seed is not None:
        cfg.seed = args.seed
    print(f"settings: steps={cfg.steps} batch={cfg.batch_size} max_length={cfg.max_length} eval_size={cfg.eval_size} "
          f"methods={cfg.methods} seed={cfg.seed}", flush=True)
    started = time.perf_counter()
    warm_worker()
    worker_start = time.perf_counter() - started
    print(f"worker start (the app does it once, at launch, before any click): {worker_start:.1f} s", flush=True)
    gflops, plain, loads, runs = [matmul_gflops()], [plain_fp32_step()["best"]], [load()], {}
    for chosen in args.precisions.split(","):
        out = run(cfg, chosen)
        gflops.append(matmul_gflops())
        plain.append(plain_fp32_step()["best"])
        loads.append(load())
        runs[chosen] = out
    step = min(plain)  # the plain step at the machine's quietest, as the runs' own steps are
    speed = max(gflops)
    print(f"fp32 matmul {speed:.1f} GFLOP/s (best of {len(gflops)} probes around the runs); plain PyTorch fp32 step "
          f"(MiniLM full, batch 32 x 64) {step:.3f} s (each probe: {', '.join(f'{p:.3f}' for p in plain)}); "
          f"load average {', '.join(f'{x:.2f}' for x in loads)}")
    checks = []
    for chosen, out in runs.items():
        out["plain_fp32_step_seconds"] = step
        out["plain_step_equivalents"] = out["wall_seconds"] / step
        out["normalized_seconds"] = normalized_seconds(out["wall_seconds"], speed)
        checks += report(out, cfg)
    if len(runs) == 2:
        (a, first), (b, second) = runs.items()
        for name in set(first["methods"]) & set(second["methods"]) & {"full", "lora"}:
            gap = abs(first["methods"][name]["accuracy"] - second["methods"][name]["accuracy"])
            checks.append((f"{name} accuracy {first['precision']} vs {second['precision']} within 0.01 "
                           f"(gap {gap:.3f})", gap <= 0.01 + 1e-9))
        print(f"wall {first['precision']} / {second['precision']}: "
              f"{first['wall_seconds'] / second['wall_seconds']:.2f}")
    for text, ok in checks:
        print(("PASS " if ok else "MISS ") + text)
    if args.json_out:
        for out in runs.values():
            out["worker_start_seconds"] = round(worker_start, 2)
        first = next(iter(runs.values()))
        Path(args.json_out).write_text(json.dumps({
            "plain_fp32_step_seconds": step, "plain_fp32_probes": plain, "matmul_gflops": speed, "load_average": loads,
            "plain_step_equivalents": first["plain_step_equivalents"], "wall_seconds": first["wall_seconds"],
            "normalized_seconds": first["normalized_seconds"], "precision": first["precision"],
            "methods": first["methods"], "runs": runs}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
