"""The fine-tuning comparison's "Done when" figures, on the defaults (MiniLM, built-in tweets, default steps).

    python bench/finetune.py [--methods full,head,lora,qlora] [--json OUT]

Prints: this machine's fp32 matmul GFLOP/s (measured here, before and after) and `normalized_seconds` =
wall time x GFLOP/s / 287 (target: the default four within 60), eval accuracy per
method (full >= 0.90, LoRA >= 0.87, classifier-only clearly below), LoRA's trainable share (< 1%), and
QLoRA's quantised linear weights against their fp32 bytes (<= 1/3). Speed is measured, never asserted
in tests; on a shared machine the times are inflated by whatever else runs.
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default=None)
    parser.add_argument("--steps", type=int, default=None, help="override the default steps (quick checks)")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-finetune-"))
    from lab.__main__ import run_job
    from lab.config import FinetuneConfig
    from probe import matmul_gflops, normalized_seconds

    gflops_before = matmul_gflops()

    cfg = FinetuneConfig()
    if args.methods is not None:
        cfg.methods = args.methods
    if args.steps is not None:
        cfg.steps = args.steps
    started = time.perf_counter()
    result = run_job("finetune", cfg)
    wall = time.perf_counter() - started
    gflops = (gflops_before + matmul_gflops()) / 2  # the machine's speed around the run
    normalized = normalized_seconds(wall, gflops)
    methods = result["methods"]
    print(f"fp32 matmul: {gflops_before:.1f} GFLOP/s before, {gflops:.1f} mean; normalized_seconds "
          f"(wall x {gflops:.0f} / 287): {normalized:.1f}")
    print(f"settings: steps={cfg.steps} batch={cfg.batch_size} max_length={cfg.max_length} eval_size={cfg.eval_size} "
          f"methods={cfg.methods}")
    print(f"wall time, all methods together (job start to end, incl. loading, eval, saving): {wall:.1f} s "
          f"(inside the job: {result['total_seconds']:.1f} s)")
    print(f"{'method':<14}{'lr':>8}{'acc':>7}{'f1':>7}{'s/step':>8}{'wall s':>8}{'trainable %':>13}"
          f"{'pred MB':>9}{'peak MB':>9}{'train s':>9}{'saved MB':>10}")
    for name, r in methods.items():
        print(f"{name:<14}{r['learning_rate']:>8.0e}{r['accuracy']:>7.3f}{r['f1']:>7.3f}{r['seconds_per_step']:>8.3f}"
              f"{r['wall_seconds']:>8.1f}{r['percent']:>13.4f}{r['predicted_memory_bytes']['total'] / 1e6:>9.1f}"
              f"{r['peak_memory_bytes'] / 1e6:>9.1f}{r['train_seconds']:>9.1f}{r['saved_bytes'] / 1e6:>10.3f}")
    checks = []
    if "full" in methods:
        checks.append(("full accuracy >= 0.90", methods["full"]["accuracy"] >= 0.90))
    if "lora" in methods:
        checks.append(("LoRA accuracy >= 0.87", methods["lora"]["accuracy"] >= 0.87))
        checks.append(("LoRA trains < 1% of parameters", methods["lora"]["percent"] < 1))
    if {"head", "full", "lora"} <= set(methods):
        gap = min(methods["full"]["accuracy"], methods["lora"]["accuracy"]) - methods["head"]["accuracy"]
        checks.append((f"classifier-only below both (gap {gap:.3f})", gap > 0.05))
    if "qlora" in methods:
        q = methods["qlora"]
        print(f"QLoRA linear weights: {q['quantised_linear_bytes']:,} B in 4-bit vs {q['fp32_linear_bytes']:,} B in "
              f"fp32 = {q['quantised_fraction']:.3f}")
        checks.append(("QLoRA quantised linear bytes <= 1/3 of fp32", q["quantised_fraction"] <= 1 / 3))
    checks.append(("normalized seconds within 60", normalized <= 60))
    for text, ok in checks:
        print(("PASS " if ok else "MISS ") + text)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"wall_seconds": wall, "matmul_gflops": gflops,
                                                "normalized_seconds": normalized, **result}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
