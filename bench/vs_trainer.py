"""Each default method through the lab against a plain script using Trainer: same model, data, steps, batch.

    python bench/vs_trainer.py [--methods full,head,lora,qlora] [--steps 72] [--rounds 1] [--json OUT]

The plain side is what a course script does: from_pretrained, the method's own preparation (the same
peft/bitsandbytes code and Trainer overrides), Trainer(...).train(). The lab side is the lab's job for
that one method. Both train in the precision lab.training.precision picks (LAB_PRECISION overrides).
Both time train() alone (the lab's `train_seconds`), so `overhead_ratio` = lab / plain shows what the
lab's callbacks, events and the memory profiler over its first steps cost. Target: at most 1.05 at the default steps (the profiler watches 3 of them).

Fairness on a shared machine: one untimed warm-up run first (the process's first steps pay for
oneDNN's set-up), then each round runs the two sides in alternating order (lab first in even rounds,
plain first in odd ones), and the ratio is of the summed times. `--rounds 2` cancels a steady drift.
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


def plain(name: str, cfg, plan, tokenizer, train_ds) -> float:
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer, set_seed

    from lab.kinds.finetune import methods as registry
    from lab.kinds.finetune.job import learning_rate
    from lab.training import quiet, training_args

    set_seed(cfg.seed)
    model = AutoModelForSequenceClassification.from_pretrained(plan.base_path, num_labels=len(plan.labels),
                                                               **registry.load_kwargs(name, cfg))
    model = registry.prepare(name, model, cfg)
    overrides = registry.qlora.training_overrides() if name == "qlora" else {}
    with tempfile.TemporaryDirectory() as scratch:
        args = training_args(scratch, cfg.steps, cfg.batch_size, learning_rate(name, cfg), cfg.seed,
                             remove_unused_columns=False, **overrides)
        trainer = quiet(Trainer(model=model, args=args, train_dataset=train_ds,
                                data_collator=DataCollatorWithPadding(tokenizer)))
        started = time.perf_counter()
        trainer.train()
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default="full,head,lora,qlora")
    parser.add_argument("--steps", type=int, default=None, help="default: the lab's default steps")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-vs-trainer-"))
    from transformers import AutoTokenizer

    from lab.__main__ import run_job
    from lab.config import FinetuneConfig
    from lab.kinds.finetune.job import encode
    from lab.kinds.finetune.data import make_plan

    steps = args.steps or FinetuneConfig().steps
    out = {}
    for index, name in enumerate(args.methods.split(",")):
        cfg = FinetuneConfig(methods=name, steps=steps, eval_size=64, save_models=False)
        plan = make_plan(cfg)
        tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
        train_ds = encode(plan.train, tokenizer, plan.labels, cfg.max_length)
        if index == 0:
            warm = FinetuneConfig(methods=name, steps=2, eval_size=64, save_models=False)
            plain(name, warm, plan, tokenizer, train_ds)
        lab_runs, plain_runs, watch = [], [], []
        for round_ in range(args.rounds):
            sides = ["lab", "plain"] if round_ % 2 == 0 else ["plain", "lab"]
            for side in sides:
                if side == "lab":
                    result = run_job("finetune", cfg)["methods"][name]
                    lab_runs.append(result["train_seconds"])
                    watch.append(result["phase_seconds"]["memory_watch"])  # part of it: the memory profiler
                else:
                    plain_runs.append(round(plain(name, cfg, plan, tokenizer, train_ds), 2))
        ratio = sum(lab_runs) / sum(plain_runs)
        out[name] = {"lab_seconds": lab_runs, "plain_seconds": plain_runs, "overhead_ratio": ratio,
                     "memory_watch_seconds": watch}
        print(f"{name:<8} lab train {sum(lab_runs):7.2f} s (memory watch {sum(watch):.2f} s)  plain Trainer "
              f"{sum(plain_runs):7.2f} s  overhead_ratio {ratio:.3f} " + ("PASS" if ratio <= 1.05 else "MISS")
              + " (<= 1.05)", flush=True)
    worst = max(r["overhead_ratio"] for r in out.values())
    from lab.training import precision
    print(f"overhead_ratio, worst method: {worst:.3f} (both sides in {precision()}; "
          f"load {open('/proc/loadavg').read().split()[0]})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"steps": steps, "rounds": args.rounds, "methods": out,
                                                   "overhead_ratio": worst, "precision": precision()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
