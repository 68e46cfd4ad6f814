"""The fine-tuning comparison: the ticked methods, one after another, on the same data, seed and steps.

    python -m lab finetune --methods full,head,lora,qlora --steps 48 --json out.json

Each method loads the base afresh, prepares it (lab/methods), trains with the Trainer for the same
number of steps over the same batches, is scored on the held-out set and saved as a run. Events carry
`method=<name>`, so one page overlays every method's curve.

Where the time goes (measured in bench/speedups.py): batches are padded to their longest text, and
random batches of tweets are 40% padding. Training packs each batch's real tokens into one row inside
the encoder (packing.py: 1.67x fewer positions over the default steps, the same values), so the batches
stay random: length-grouped ones (SAMPLING = "group_by_length") padded 1.47x less but cost accuracy at
72 steps (full 0.868 against 0.917). Scoring runs in inference mode over the held-out set sorted by
length (1.25x faster than Trainer.evaluate, same accuracy).
"""
from __future__ import annotations

import gc
import tempfile
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np

from lab import sources
from lab.config import FinetuneConfig
from lab.kinds.finetune import methods as registry
from lab.kinds.finetune.data import Plan, make_plan
from lab.kinds.finetune.models import load_base, load_classifier, save_method
from lab.kinds.finetune.packing import packed
from lab.metrics import TensorMemory, count_parameters, predict_memory
from lab.store import run_folder

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

SAMPLING = "random"  # "group_by_length" padded 1.47x less but lost 5 points of full's accuracy at 72 steps


def encode(rows: list[dict], tokenizer, labels: list[str], max_length: int):
    import datasets

    label_ids = {label: i for i, label in enumerate(labels)}
    rows = [r for r in rows if str(r["label"]) in label_ids]
    encoded = tokenizer([r["text"] for r in rows], truncation=True, max_length=max_length)
    columns = {k: encoded[k] for k in encoded.keys()}
    columns["labels"] = [label_ids[str(r["label"])] for r in rows]
    return datasets.Dataset.from_dict(columns)  # unpadded: the collator pads each batch to its longest


def compute_metrics(prediction) -> dict:
    from sklearn.metrics import f1_score

    logits, labels = prediction.predictions, prediction.label_ids
    if isinstance(logits, tuple):
        logits = logits[0]
    predicted = np.asarray(logits).argmax(-1)
    return {"accuracy": float((predicted == labels).mean()),
            "f1": float(f1_score(labels, predicted, average="macro"))}


def evaluate(model, eval_ds, tokenizer, batch_size: int = 64, precision: str = "fp32") -> dict:
    """Accuracy and macro F1 on `eval_ds`: batches of similar length (little padding), inference mode,
    in the precision the model trained in."""
    import torch
    from transformers import DataCollatorWithPadding
    from transformers.trainer_utils import EvalPrediction

    from lab.training import autocast

    if len(eval_ds) == 0:
        return {}
    columns = eval_ds[:]
    inputs = [k for k in columns if k != "labels"]
    order = sorted(range(len(eval_ds)), key=lambda i: len(columns["input_ids"][i]))
    collate = DataCollatorWithPadding(tokenizer)
    device = next(model.parameters()).device
    logits = [None] * len(order)
    was_training = model.training
    model.eval()
    with torch.inference_mode(), autocast(precision):
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            batch = collate([{k: columns[k][i] for k in inputs} for i in rows])
            out = model(**{k: v.to(device) for k, v in batch.items()}).logits.float().cpu()
            for i, row in zip(rows, out):
                logits[i] = row.numpy()
    model.train(was_training)
    scores = compute_metrics(EvalPrediction(predictions=np.stack(logits), label_ids=np.asarray(columns["labels"])))
    return {f"eval_{k}": v for k, v in scores.items()}


def learning_rate(name: str, cfg: FinetuneConfig) -> float:
    return cfg.learning_rate or registry.get(name).LEARNING_RATE


def train_method(name: str, plan: Plan, cfg: FinetuneConfig, ctx: JobContext, tokenizer, train_ds, eval_ds,
                 base=None) -> dict:
    from transformers import DataCollatorWithPadding, Trainer

    from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, precision, quiet, training_args

    started = time.perf_counter()
    # measured from before the weights exist, so the peak covers them, whatever ran before
    memory = TensorMemory(device(), steps=MEMORY_STEPS).start()
    try:
        model, base_total = load_base(name, plan, cfg, base)
    except BaseException:
        memory.stop()
        raise
    load_seconds = time.perf_counter() - started
    memory.phase("trainer set-up")
    counts = count_parameters(model)
    ledger = predict_memory(model, cfg.batch_size, cfg.max_length, precision())
    quantised = registry.qlora.quantised_bytes(model) if name == "qlora" else {}
    ctx.emit("method", method=name, label=registry.get(name).LABEL, trainable=counts["trainable"],
             total=counts["total"], predicted_memory_bytes=ledger)
    callback = EventCallback(ctx, method=name)
    with tempfile.TemporaryDirectory() as scratch:
        args = training_args(scratch, cfg.steps, cfg.batch_size, learning_rate(name, cfg), cfg.seed,
                             label_names=["labels"], remove_unused_columns=False,
                             train_sampling_strategy=SAMPLING,
                             **(registry.qlora.training_overrides() if name == "qlora" else {}))
        # the method's callbacks first: AdaLoRA's puts the task loss in the logs before they become events
        trainer = quiet(Trainer(model=model, args=args, train_dataset=train_ds, processing_class=tokenizer,
                                data_collator=DataCollatorWithPadding(tokenizer),
                                callbacks=[*registry.callbacks(name, model, ctx), callback, MemoryCallback(memory)]))
        train_started = time.perf_counter()
        try:
            with packed(model) as tally:  # the encoder trains on the real tokens, not the padding (packing.py)
                trainer.train()
        finally:
            memory.stop()
        train_seconds = time.perf_counter() - train_started  # loading and set-up are load_seconds
        if ctx.cancelled:
            return {}
        scored = time.perf_counter()
        scores = evaluate(model, eval_ds, tokenizer, precision=callback.precision)
        score_seconds = time.perf_counter() - scored
    result = {
        "label": registry.get(name).LABEL, "learning_rate": learning_rate(name, cfg),
        "trainable_params": counts["trainable"], "total_params": counts["total"], "percent": counts["percent"],
        "predicted_memory_bytes": ledger, "peak_memory_bytes": memory.peak_bytes, "memory_source": memory.source,
        "measured_phase_bytes": memory.phase_peaks,
        "seconds_per_step": callback.seconds_per_step, "steps": callback.last_step,
        "precision": callback.precision, "accuracy": scores.get("eval_accuracy"), "f1": scores.get("eval_f1"),
        "loss": callback.losses,
        # what the encoder computed over the steps: real tokens (packed) of the padded positions they came in
        "tokens_computed": tally.tokens if tally else None, "padded_positions": tally.positions if tally else None,
        "train_seconds": round(train_seconds, 2), "load_seconds": round(load_seconds, 2),
    }
    spectrum_started = time.perf_counter()
    result.update(update_spectrum(model, cfg))
    saving = time.perf_counter()
    result.update(quantised)
    result.update(save_method(name, model, tokenizer, ctx.job_id, base_total, cfg.save_models))
    # where a method's wall time goes besides training (bench/finetune.py prints the profile)
    result["phase_seconds"] = {"load": round(load_seconds, 3), "train": round(train_seconds, 3),
                               "score": round(score_seconds, 3),
                               "spectrum": round(saving - spectrum_started, 3),
                               "memory_watch": round(memory.seconds, 3),  # inside load and train
                               "save": round(time.perf_counter() - saving, 3)}
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    del trainer, model
    gc.collect()
    return result


def finetune_job(cfg: FinetuneConfig, ctx: JobContext) -> dict:
    from transformers import AutoTokenizer

    from lab.training import precision

    ctx.log("Checking the settings and the data…")
    preparing = time.perf_counter()
    plan = make_plan(cfg)
    plan.base_path = sources.hub_folder(plan.base_path)  # a Hub base, downloaded once for every method
    tokenizer = AutoTokenizer.from_pretrained(plan.base_path)
    train_ds = encode(plan.train, tokenizer, plan.labels, cfg.max_length)
    eval_ds = encode(plan.evaluation, tokenizer, plan.labels, cfg.max_length)
    ctx.emit("plan", methods=plan.methods, steps=cfg.steps, labels=plan.labels,
             train_rows=len(train_ds), eval_rows=len(eval_ds))
    started = time.perf_counter()
    prepare_seconds = started - preparing  # the plan, the tokenizer and the encoded texts
    # read from disk once; every method that loads it plainly trains a copy (QLoRA reads it in 4-bit)
    plain = [n for n in plan.methods if not registry.load_kwargs(n, cfg)]
    base = load_classifier(plan, cfg) if len(plain) > 1 else None
    base_seconds = time.perf_counter() - started
    results = {}
    for name in plan.methods:
        if ctx.cancelled:
            break
        ctx.log(f"Training {name}…")
        result = train_method(name, plan, cfg, ctx, tokenizer, train_ds, eval_ds, base)
        if not result:
            break
        results[name] = result
        ctx.emit("result", method=name, **{k: v for k, v in result.items() if k != "loss"})
    models = [{"ref": f"run:{ctx.job_id}/{name}", "task": "text-classification",
               "label": f"{r['label']} on {cfg.base} ({r['accuracy']:.0%} accuracy)"}
              for name, r in results.items() if r.get("exported")]
    return {"methods": results, "order": list(results), "models": models, "labels": plan.labels,
            "base": cfg.base, "base_path": plan.base_path, "settings": asdict(cfg), "precision": precision(),
            "total_seconds": round(time.perf_counter() - started, 2),
            "prepare_seconds": round(prepare_seconds, 3), "base_load_seconds": round(base_seconds, 3),
            "train_rows": len(train_ds), "eval_rows": len(eval_ds), "runs_dir": str(run_folder(ctx.job_id).parent)}


def update_spectrum(model, cfg=None, top: int = 12) -> dict:
    """{"update_singular_values": {module: [s1 >= s2 ...]}} of (alpha/r) B A per LoRA module, or {}."""
    import torch
    from torch import nn

    from lab.kinds.finetune.methods.lora_scratch import LinearWithLoRA

    spectra = {}
    for name, module in model.named_modules():
        if isinstance(module, LinearWithLoRA):
            delta, rank = module.lora.delta_weight(), module.lora.A.shape[1]
        elif hasattr(module, "lora_A") and isinstance(getattr(module, "lora_A"), nn.ModuleDict) and module.lora_A:
            key = next(iter(module.lora_A))
            delta = module.scaling[key] * module.lora_B[key].weight @ module.lora_A[key].weight  # (out, in)
            rank = module.lora_A[key].weight.shape[0]
        else:
            continue
        short = name.replace("base_model.model.", "")
        spectra[short] = [round(float(s), 6) for s in torch.linalg.svdvals(delta.detach().float())[:rank]]
        # (alpha/r) B A has rank at most r: the values past r are zero
        if len(spectra) >= top:
            break
    return {"update_singular_values": spectra} if spectra else {}
