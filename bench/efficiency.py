"""The lab's full fine-tuning step against a plain PyTorch fp32 step of the same batch, and against the peak.

    python bench/efficiency.py [--steps 6] [--rounds 2] [--batch 32] [--length 64] [--json OUT]

Both sides train MiniLM (full fine-tuning, AdamW) on one fixed batch of --batch x --length tokens, in
this process, alternately (plain, lab, plain, lab ...) so a busy moment hurts both alike:
- plain: a hand-written PyTorch loop in fp32 (bench/probe.py: plain_fp32_step);
- lab: the lab's own step, the Trainer as lab.training.training_args sets it up, in the precision the lab
  chooses on this machine (LAB_PRECISION overrides), timed per step by a callback.
Figures: `speedup_vs_plain_fp32` = plain / lab (best step of each; target >= 1.2 when the lab trains in bf16, >= 1.0 in fp32),
`percent_of_peak` = the lab step's FLOP/s (6 x non-embedding params x tokens + attention's
12 x layers x batch x length^2 x hidden) over the matmul peak of the precision it used.
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


def lab_step(steps: int, batch: int, length: int) -> dict:
    """Seconds per step of the lab's full fine-tuning (its Trainer settings and precision) on the fixed batch."""
    import datasets
    import torch
    from transformers import AutoModelForSequenceClassification, Trainer, TrainerCallback

    from lab import resources
    from lab.config import FinetuneConfig
    from lab.kinds.finetune import methods as registry
    from lab.kinds.finetune.job import learning_rate
    from lab.training import quiet, training_args
    from probe import minilm_batch

    class Clock(TrainerCallback):
        def __init__(self):
            self.times = []

        def on_step_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.times.append(time.perf_counter() - self.started)

    torch.manual_seed(0)
    cfg = FinetuneConfig(methods="full")
    model = AutoModelForSequenceClassification.from_pretrained(resources.minilm_path(), num_labels=2)
    model = registry.prepare("full", model, cfg)
    one = minilm_batch(batch, length)
    rows = {k: [v[i % batch].tolist() if v.dim() > 1 else int(v[i % batch]) for i in range(batch * (steps + 2))]
            for k, v in one.items()}
    clock = Clock()
    with tempfile.TemporaryDirectory() as scratch:
        args = training_args(scratch, steps + 2, batch, learning_rate("full", cfg), label_names=["labels"])
        trainer = quiet(Trainer(model=model, args=args, train_dataset=datasets.Dataset.from_dict(rows),
                                callbacks=[clock]))
        trainer.train()
    times = clock.times[2:]  # two warm-up steps, as on the plain side
    return {"best": min(times), "median": sorted(times)[len(times) // 2], "times": times,
            "precision": "bf16" if args.bf16 else "fp32"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from lab import resources
    from lab.training import bf16_probe
    from probe import load, peaks, plain_fp32_step

    loads = [load()]
    peak = peaks()
    plain, lab = [], []
    for _ in range(args.rounds):
        plain += plain_fp32_step(args.steps, args.batch, args.length)["times"]
        result = lab_step(args.steps, args.batch, args.length)
        lab += result["times"]
        loads.append(load())
    peak = {k: max(v, peaks()[k]) for k, v in peak.items()}
    chosen = result["precision"]
    conf = AutoConfig.from_pretrained(resources.minilm_path(), num_labels=2)
    with torch.device("meta"):
        skeleton = AutoModelForSequenceClassification.from_config(conf)
    embedding = sum(p.numel() for n, p in skeleton.named_parameters() if "embeddings" in n)
    body = sum(p.numel() for p in skeleton.parameters()) - embedding
    flops = (6 * body * args.batch * args.length
             + 12 * conf.num_hidden_layers * args.batch * args.length ** 2 * conf.hidden_size)
    plain_best, lab_best = min(plain), min(lab)
    used_peak = peak["bf16_peak_gflops" if chosen == "bf16" else "fp32_peak_gflops"]
    out = {"threads": torch.get_num_threads(), "batch": args.batch, "length": args.length,
           "precision": chosen,
           "precision_chosen_by": "probe" if os.environ.get("LAB_PRECISION", "auto") == "auto" else "LAB_PRECISION",
           "bf16_probe": bf16_probe(), **peak,
           "plain_fp32_step_seconds": plain_best, "plain_fp32_median_seconds": sorted(plain)[len(plain) // 2],
           "lab_step_seconds": lab_best, "lab_median_seconds": sorted(lab)[len(lab) // 2],
           "speedup_vs_plain_fp32": plain_best / lab_best,
           "flops_per_step": flops, "non_embedding_params": body,
           "achieved_gflops": flops / lab_best / 1e9, "percent_of_peak": 100 * flops / lab_best / 1e9 / used_peak,
           "plain_percent_of_fp32_peak": 100 * flops / plain_best / 1e9 / peak["fp32_peak_gflops"],
           "matmul_gflops": peak["fp32_peak_gflops"], "load_average": loads}
    print(f"{out['threads']} threads, load {loads[0]:.2f} -> {loads[-1]:.2f}; matmul peak fp32 "
          f"{peak['fp32_peak_gflops']:.0f} GFLOP/s, bf16 {peak['bf16_peak_gflops']:.0f} GFLOP/s")
    print(f"MiniLM full fine-tuning, batch {args.batch} x {args.length}, {flops / 1e9:.1f} GFLOP per step, best of "
          f"{len(plain)} steps each (medians in brackets):")
    print(f"  plain PyTorch fp32 loop: {plain_best:.3f} s ({out['plain_fp32_median_seconds']:.3f}) = "
          f"{out['plain_percent_of_fp32_peak']:.0f}% of the fp32 peak")
    print(f"  the lab's step ({chosen}): {lab_best:.3f} s ({out['lab_median_seconds']:.3f}) = "
          f"{out['achieved_gflops']:.0f} GFLOP/s = {out['percent_of_peak']:.0f}% of the {chosen} peak")
    speedup = out["speedup_vs_plain_fp32"]
    target = 1.2 if chosen == "bf16" else 1.0  # fp32 (a CPU without bf16 units, or LAB_PRECISION=fp32): no slower
    print(f"speedup_vs_plain_fp32 {speedup:.2f} " + ("PASS" if speedup >= target else "MISS") + f" (>= {target} "
          f"in {chosen}: 1.2 where the lab trains in bf16, 1.0 where it trains in fp32)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
