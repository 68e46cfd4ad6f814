"""Masked-language-model pre-training exported from Fine-Tuning Lab: the same corpus, blocks, masking and Trainer.

    python train.py                       # the run as it was
    python train.py --steps 3000          # longer
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py
    torchrun --standalone --nproc_per_node 2 train.py        # two processes, also on CPUs (gloo)

The corpus (data/*.jsonl) is tokenized with datasets.map(batched=True), concatenated and cut into blocks;
DataCollatorForLanguageModeling masks 15% of the training tokens afresh each batch (80% [MASK], 10% random,
10% kept); the held-out blocks are masked once, so the eval loss moves only because the model does.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch
from transformers import (AutoTokenizer, BertConfig, BertForMaskedLM, DataCollatorForLanguageModeling, Trainer,
                          TrainerCallback, TrainingArguments, pipeline)

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS


# EXPORT:INCLUDE script_inputs.py
# EXPORT:INCLUDE precision.py


def prepare_tokenizer(tokenizer):
    """A byte-level BPE tokenizer has no mask (nor always a pad) token: add them, as RoBERTa does."""
    added = {}
    if tokenizer.mask_token is None:
        added["mask_token"] = "<mask>"
    if tokenizer.pad_token is None:
        added["pad_token"] = "<pad>"
    if added:
        tokenizer.add_special_tokens(added)
    return tokenizer


def make_blocks(texts: list[str], tokenizer, block_size: int) -> list[list[int]]:
    """Tokenize, concatenate, cut into full blocks (each batch of 1,000 texts drops its tail)."""
    import datasets

    ds = datasets.Dataset.from_dict({"text": texts})
    ds = ds.map(lambda batch: {"input_ids": tokenizer(batch["text"])["input_ids"]}, batched=True,
                remove_columns=["text"])

    def group(batch):
        joined = [t for ids in batch["input_ids"] for t in ids]
        cut = len(joined) // block_size * block_size
        return {"input_ids": [joined[i:i + block_size] for i in range(0, cut, block_size)]}

    return ds.map(group, batched=True, batch_size=1000)["input_ids"]


class MaskingCollator:
    """Random masks for training features; features that already carry `labels` are only stacked."""

    def __init__(self, tokenizer, mlm_probability: float, seed: int | None = None):
        self.random = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=mlm_probability,
                                                      seed=seed, return_tensors="pt")

    def __call__(self, features: list[dict]) -> dict:
        if "labels" in features[0]:
            return {k: torch.tensor([f[k] for f in features]) for k in ("input_ids", "labels")}
        return self.random([{"input_ids": f["input_ids"]} for f in features])


def fix_masks(tokenizer, blocks, mlm_probability: float, seed: int) -> list[dict]:
    batch = MaskingCollator(tokenizer, mlm_probability, seed=seed).random([{"input_ids": b} for b in blocks])
    return [{"input_ids": i.tolist(), "labels": l.tolist()} for i, l in zip(batch["input_ids"], batch["labels"])]


class Perplexity(TrainerCallback):
    """eval perplexity = exp(eval loss), added to the eval logs."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "eval_loss" in logs:
            logs["eval_perplexity"] = math.exp(min(float(logs["eval_loss"]), 50.0))


def build_model(s: dict, tokenizer, source: str | None):
    torch.manual_seed(s["seed"])
    if s["init"] == "minilm":
        return BertForMaskedLM.from_pretrained(source)  # its encoder trained, its MLM head new
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                        num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
                        max_position_embeddings=s["max_positions"], pad_token_id=tokenizer.pad_token_id,
                        hidden_dropout_prob=s["dropout"], attention_probs_dropout_prob=s["dropout"])
    return BertForMaskedLM(config)


def main() -> None:
    s = SETTINGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="Continue pre-training this folder or Hub id (init=minilm runs only).")
    parser.add_argument("--steps", type=int, default=s["steps"], help="Optimizer steps.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where the model and results go.")
    args = parser.parse_args()
    out = Path(args.output_dir)
    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(str(HERE / s["tokenizer"])))
    train_texts, held_texts = read_texts(HERE / s["data"]["train"]), read_texts(HERE / s["data"]["eval"])
    train_blocks = make_blocks(train_texts, tokenizer, s["block_size"])
    eval_blocks = make_blocks(held_texts, tokenizer, s["block_size"])[: s["eval_blocks"]] if held_texts else []
    if not eval_blocks:  # a tiny corpus: hold out its last block rather than evaluate on nothing
        eval_blocks = train_blocks[-1:]
        train_blocks = train_blocks[:-1] or eval_blocks
    eval_features = fix_masks(tokenizer, eval_blocks, s["mlm_probability"], seed=s["seed"] + 1)
    source = model_source(s["model"], args.model) if s["init"] == "minilm" else None
    model = build_model(s, tokenizer, source)
    training = TrainingArguments(
        output_dir=str(out / "trainer"), max_steps=args.steps, per_device_train_batch_size=s["batch_size"],
        per_device_eval_batch_size=max(s["batch_size"], 32), learning_rate=s["learning_rate"], seed=s["seed"],
        data_seed=s["seed"], logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, use_cpu=not torch.cuda.is_available(), bf16=precision() == "bf16", fp16=False,
        lr_scheduler_type="linear", warmup_steps=s["warmup_steps"], weight_decay=s["weight_decay"],
        eval_strategy="steps", eval_steps=s["eval_every"])
    trainer = Trainer(model=model, args=training, train_dataset=[{"input_ids": b} for b in train_blocks],
                      eval_dataset=eval_features, data_collator=MaskingCollator(tokenizer, s["mlm_probability"]),
                      callbacks=[Perplexity()])
    initial = trainer.evaluate()  # step 0: the untrained model (train() starts a fresh log history)
    trainer.train()
    if trainer.state.global_step % s["eval_every"]:
        trainer.evaluate()
    print(f"[rank {trainer.args.process_index}/{trainer.args.world_size}] trained {trainer.state.global_step} "
          f"steps on {len(train_blocks)} blocks of {s['block_size']} tokens", flush=True)
    if not trainer.is_world_process_zero():
        return
    trainer.save_model(str(out / "model"))
    tokenizer.save_pretrained(str(out / "model"))
    history = trainer.state.log_history
    results = {"run_id": s["run_id"], "steps": trainer.state.global_step,
               "loss": [[h["step"], h["loss"]] for h in history if "loss" in h],
               "eval_loss": [[0, initial["eval_loss"]]] + [[h["step"], h["eval_loss"]] for h in history
                                                           if "eval_loss" in h],
               "eval_perplexity": [[0, math.exp(min(initial["eval_loss"], 50.0))]]
               + [[h["step"], h["eval_perplexity"]] for h in history if "eval_perplexity" in h]}
    unmasker = pipeline("fill-mask", model=trainer.model, tokenizer=tokenizer, device=trainer.model.device)
    probe = s["probe"].replace("[MASK]", tokenizer.mask_token)
    results["probe"] = [[p["token_str"], round(p["score"], 4)] for p in unmasker(probe, top_k=5)]
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"Probe '{s['probe']}': {results['probe']}\nResults in {out / 'results.json'}")


if __name__ == "__main__":
    main()
