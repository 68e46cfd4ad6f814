"""The fine-tuning job's speed-ups, each measured side by side with what it replaced, in one process.

    python bench/speedups.py [--steps 72] [--rounds 1] [--json OUT]

- packing: full fine-tuning's default steps on padded batches (the Trainer as it comes) against the same
  batches packed (`lab.kinds.finetune.packing.packed`, what the job does); also the positions each
  computes over the default steps (padded, and real tokens).
- scoring: the Trainer's `evaluate()` against `lab.kinds.finetune.job.evaluate` (length-sorted, inference mode)
  on the default held-out tweets; both must give the same accuracy.
- tokenizing: the default data encoded once per job, to show whether caching it would matter.
Every figure is a ratio old / new of times taken alternately (old, new, new, old, ...) so a machine
that speeds up or slows down during the run favours neither. Wall and CPU seconds are both printed:
on a busy machine the CPU ratio is the steadier one.
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


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def alternate(old, new, rounds: int) -> dict:
    """Run old/new alternately; sums of wall and CPU seconds and their ratios old / new."""
    sums = {"old": [0.0, 0.0], "new": [0.0, 0.0]}
    values = {}
    for round_ in range(rounds):
        for side in (("old", "new") if round_ % 2 == 0 else ("new", "old")):
            values[side], wall, cpu = timed(old if side == "old" else new)
            sums[side][0] += wall
            sums[side][1] += cpu
    return {"old_wall": sums["old"][0], "new_wall": sums["new"][0], "old_cpu": sums["old"][1],
            "new_cpu": sums["new"][1], "wall_ratio": sums["old"][0] / sums["new"][0],
            "cpu_ratio": sums["old"][1] / sums["new"][1], "values": values}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=None, help="training steps per timed side (default: the job's)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-speedups-"))
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer

    from lab.config import FinetuneConfig
    from lab.kinds.finetune.job import SAMPLING, compute_metrics, encode, evaluate, learning_rate
    from lab.kinds.finetune.packing import packed
    from lab.kinds.finetune.data import make_plan
    from lab.training import quiet, training_args

    cfg = FinetuneConfig()
    args.steps = args.steps or cfg.steps
    plan = make_plan(cfg)
    tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
    out = {"threads": torch.get_num_threads()}
    (train_ds, eval_ds), wall, cpu = timed(lambda: (encode(plan.train, tokenizer, plan.labels, cfg.max_length),
                                                   encode(plan.evaluation, tokenizer, plan.labels, cfg.max_length)))
    out["tokenize"] = {"wall": wall, "cpu": cpu, "rows": len(train_ds) + len(eval_ds)}
    print(f"tokenizing the default data ({len(train_ds) + len(eval_ds)} rows), once per job: {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU")

    model = AutoModelForSequenceClassification.from_pretrained(plan.base_path, num_labels=len(plan.labels))
    scratch = tempfile.mkdtemp(prefix="bench-speedups-trainer-")

    def trainer(strategy: str, steps: int) -> Trainer:
        targs = training_args(scratch, steps, cfg.batch_size, learning_rate("full", cfg), cfg.seed,
                              per_device_eval_batch_size=64, remove_unused_columns=False,
                              train_sampling_strategy=strategy)
        return quiet(Trainer(model=model, args=targs, train_dataset=train_ds, eval_dataset=eval_ds,
                             processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
                             compute_metrics=compute_metrics))

    def padded_tokens(strategy: str) -> tuple[int, int]:
        loader = trainer(strategy, cfg.steps).get_train_dataloader()
        padded = real = 0
        for step, batch in enumerate(loader):
            if step == cfg.steps:
                break
            padded += batch["input_ids"].numel()
            real += int(batch["attention_mask"].sum())
        return padded, real

    padded, real = padded_tokens(SAMPLING)
    out["tokens"] = {"padded": padded, "real": real, "ratio": padded / real}
    print(f"positions over the default {cfg.steps} steps: padded batches {padded:,}, packed (real tokens) "
          f"{real:,}: {padded / real:.2f}x fewer")

    def packed_training():
        with packed(model):
            return trainer(SAMPLING, args.steps).train()

    trainer(SAMPLING, 2).train()  # warm-up, untimed
    steps = alternate(lambda: trainer(SAMPLING, args.steps).train(), packed_training, args.rounds)
    steps.pop("values")
    out["training"] = steps
    print(f"full fine-tuning, {args.steps} steps x {args.rounds} per side: padded {steps['old_wall']:.1f} s wall "
          f"/ {steps['old_cpu']:.1f} s CPU, packed {steps['new_wall']:.1f} / {steps['new_cpu']:.1f}: "
          f"{steps['wall_ratio']:.2f}x wall, {steps['cpu_ratio']:.2f}x CPU")

    scoring = alternate(lambda: trainer("random", 1).evaluate()["eval_accuracy"],
                        lambda: evaluate(model, eval_ds, tokenizer)["eval_accuracy"], args.rounds)
    same = abs(scoring["values"]["old"] - scoring["values"]["new"]) < 1e-9
    out["scoring"] = {**scoring, "same_accuracy": same}
    print(f"scoring {len(eval_ds)} held-out tweets x {args.rounds}: Trainer.evaluate {scoring['old_wall']:.1f} s wall "
          f"/ {scoring['old_cpu']:.1f} s CPU, lab {scoring['new_wall']:.1f} / {scoring['new_cpu']:.1f}: "
          f"{scoring['wall_ratio']:.2f}x wall, {scoring['cpu_ratio']:.2f}x CPU; same accuracy: {same} "
          f"({scoring['values']['old']:.4f} vs {scoring['values']['new']:.4f})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
