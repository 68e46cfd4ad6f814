"""Each default method through the lab against a plain script using Trainer: same model, data, steps, batch.

    python bench/vs_trainer.py [--methods full,head,lora,qlora] [--steps 24] [--json OUT]

The plain side is what a course script does: from_pretrained, the method's own preparation (the same
peft/bitsandbytes code), Trainer(...).train(). The lab side is the lab's job for that one method; both
time train() alone (the lab's `train_seconds`), so `overhead_ratio` = lab / plain shows what the lab's
callbacks, events and the memory profiler over its first steps cost. Target: at most 1.05.
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

    from lab import methods as registry
    from lab.finetune import learning_rate
    from lab.training import quiet, training_args

    set_seed(cfg.seed)
    model = AutoModelForSequenceClassification.from_pretrained(plan.base_path, num_labels=len(plan.labels),
                                                               **registry.load_kwargs(name, cfg))
    model = registry.prepare(name, model, cfg)
    with tempfile.TemporaryDirectory() as scratch:
        args = training_args(scratch, cfg.steps, cfg.batch_size, learning_rate(name, cfg), cfg.seed,
                             remove_unused_columns=False)
        trainer = quiet(Trainer(model=model, args=args, train_dataset=train_ds,
                                data_collator=DataCollatorWithPadding(tokenizer)))
        started = time.perf_counter()
        trainer.train()
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--methods", default="full,head,lora,qlora")
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-vs-trainer-"))
    from transformers import AutoTokenizer

    from lab.__main__ import run_job
    from lab.config import FinetuneConfig
    from lab.finetune import encode
    from lab.finetune_data import make_plan

    out = {}
    for name in args.methods.split(","):
        cfg = FinetuneConfig(methods=name, steps=args.steps, eval_size=64, save_models=False)
        plan = make_plan(cfg)
        tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
        train_ds = encode(plan.train, tokenizer, plan.labels, cfg.max_length)
        # alternate which side goes first is not needed: each side loads its own model; plain runs second
        lab = run_job("finetune", cfg)["methods"][name]["train_seconds"]
        bare = plain(name, cfg, plan, tokenizer, train_ds)
        out[name] = {"lab_seconds": lab, "plain_seconds": round(bare, 2), "overhead_ratio": lab / bare}
        print(f"{name:<8} lab train {lab:7.2f} s  plain Trainer {bare:7.2f} s  overhead_ratio {lab / bare:.3f} "
              + ("PASS" if lab / bare <= 1.05 else "MISS") + " (<= 1.05)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"steps": args.steps, "methods": out}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
