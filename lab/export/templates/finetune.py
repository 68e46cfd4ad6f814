"""A fine-tuning comparison exported from Fine-Tuning Lab: the same methods, data, seed and Trainer settings.

    python train.py                                   # every method of the run, one after another
    python train.py --methods lora --steps 500        # one method, longer
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py
    torchrun --standalone --nproc_per_node 2 train.py        # two processes, also on CPUs (gloo)

Uses only torch, transformers, datasets, peft and bitsandbytes (QLoRA); the Trainer runs on accelerate, so
the same file scales to several GPUs or machines. Results go to outputs/ (see README.md).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, PrinterCallback,
                          Trainer, TrainingArguments, set_seed)

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS

# EXPORT:INCLUDE finetune_methods.py


# EXPORT:INCLUDE script_inputs.py
# EXPORT:INCLUDE precision.py
# EXPORT:INCLUDE lab/kinds/finetune/packing.py


def encode(rows: list[dict], tokenizer, labels: list[str], max_length: int):
    import datasets

    label_ids = {label: i for i, label in enumerate(labels)}
    rows = [r for r in rows if str(r["label"]) in label_ids]
    encoded = tokenizer([r["text"] for r in rows], truncation=True, max_length=max_length)
    columns = {k: encoded[k] for k in encoded.keys()}
    columns["labels"] = [label_ids[str(r["label"])] for r in rows]
    return datasets.Dataset.from_dict(columns)  # unpadded: the collator pads each batch to its longest


def compute_metrics(prediction) -> dict:
    logits, labels = prediction.predictions, prediction.label_ids
    if isinstance(logits, tuple):
        logits = logits[0]
    predicted = np.asarray(logits).argmax(-1)
    f1s = []
    for label in np.unique(np.concatenate([labels, predicted])):  # macro F1, as scikit-learn computes it
        tp = np.sum((predicted == label) & (labels == label))
        fp, fn = np.sum((predicted == label) & (labels != label)), np.sum((predicted != label) & (labels == label))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {"accuracy": float((predicted == labels).mean()), "f1": float(np.mean(f1s))}


def load_base(name: str, source: str, labels: list[str]):
    set_seed(SETTINGS["seed"])  # the new head starts the same for a given seed
    extra = LOAD_KWARGS[name](SETTINGS) if name in LOAD_KWARGS else {}
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, **extra)
    set_seed(SETTINGS["seed"])  # and so do the method's adapters, as in the lab
    return METHODS[name](model, SETTINGS)


def training_args(output_dir: Path, steps: int, learning_rate: float, name: str = "") -> TrainingArguments:
    s = SETTINGS
    cuda = torch.cuda.is_available()
    bf16 = precision() == "bf16"  # bf16 autocast where the machine has it natively, as the lab trains
    extra = {"optim": "paged_adamw_32bit"} if cuda and name == "qlora" else {}  # QLoRA's paged AdamW
    return TrainingArguments(
        output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=s["batch_size"],
        per_device_eval_batch_size=s["eval_batch_size"], learning_rate=learning_rate, seed=s["seed"],
        data_seed=s["seed"], logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, use_cpu=not cuda, bf16=bf16, fp16=False,
        lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, label_names=["labels"],
        remove_unused_columns=False, **extra)


def save(name: str, trainer: Trainer, tokenizer, folder: Path) -> None:
    """The trained parameters (adapter-sized for LoRA and friends), and a plain classifier where it folds into one."""
    from safetensors.torch import save_file

    model = trainer.model
    state = {k: p.detach().cpu().contiguous() for k, p in model.named_parameters() if p.requires_grad}
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / "trainable.safetensors"))
    if hasattr(model, "peft_config"):
        model.save_pretrained(str(folder / "adapter"))
    plain = MERGE[name](model) if name in MERGE else None
    if plain is not None:
        plain.save_pretrained(str(folder / "model"))
        tokenizer.save_pretrained(str(folder / "model"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="A model folder or Hub id instead of the run's base.")
    parser.add_argument("--methods", default=",".join(SETTINGS["methods"]), help="Methods to train, comma-separated.")
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"], help="Optimizer steps per method.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where models and results go.")
    args = parser.parse_args()
    SETTINGS["steps"] = args.steps  # AdaLoRA's rank schedule spans the steps this run takes
    out = Path(args.output_dir)
    source = model_source(SETTINGS["base"], args.model)
    labels = SETTINGS["labels"]
    tokenizer = AutoTokenizer.from_pretrained(source)
    train_ds = encode(read_jsonl(HERE / SETTINGS["data"]["train"]), tokenizer, labels, SETTINGS["max_length"])
    eval_ds = encode(read_jsonl(HERE / SETTINGS["data"]["eval"]), tokenizer, labels, SETTINGS["max_length"])
    results, main_process = {}, True
    for name in [m.strip() for m in args.methods.split(",") if m.strip()]:
        if name not in METHODS:
            raise SystemExit(f"This export holds the methods {', '.join(METHODS)}; '{name}' is not one of them.")
        model = load_base(name, source, labels)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        lr = SETTINGS["methods"][name]["learning_rate"]
        trainer = Trainer(model=model, args=training_args(out / name / "trainer", args.steps, lr, name),
                          train_dataset=train_ds, eval_dataset=eval_ds,
                          data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics,
                          callbacks=CALLBACKS[name](model, SETTINGS) if name in CALLBACKS else None)
        printer = trainer.pop_callback(PrinterCallback)
        if printer is not None:  # printed after the method's callbacks: AdaLoRA's logs its task loss as `loss`
            trainer.add_callback(printer)
        with packed(model):  # the encoder trains on the real tokens only, as in the lab
            trainer.train()
        scores = trainer.evaluate()
        world = trainer.args.world_size
        backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else "none"
        print(f"[rank {trainer.args.process_index}/{world} {backend}] {name}: trained {trainer.state.global_step} "
              f"steps, accuracy {scores['eval_accuracy']:.3f}", flush=True)
        results[name] = {"learning_rate": lr, "trainable_params": trainable, "steps": trainer.state.global_step,
                         "accuracy": scores["eval_accuracy"], "f1": scores["eval_f1"], "world_size": world, "backend": backend,
                         "loss": [[h["step"], h["loss"]] for h in trainer.state.log_history if "loss" in h]}
        main_process = trainer.is_world_process_zero()
        if main_process:  # one copy of the model, whatever the number of processes
            save(name, trainer, tokenizer, out / name)
        del trainer, model
    if main_process:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({"run_id": SETTINGS["run_id"], "methods": results}, indent=2))
        print(f"Results in {out / 'results.json'}")


if __name__ == "__main__":
    main()
