"""Supervised fine-tuning of a causal LM with trl's SFTTrainer, the loss on the answer only.

Prompt/completion rows train with `completion_only_loss` (labels of the prompt tokens are -100);
message rows train with `assistant_only_loss` (only assistant turns carry loss). The job shows one
tokenized example with its mask, answers held-out prompts before and after, and saves the tuned
model as a run the pipeline tab can chat with.

    python -m lab sft --method lora --steps 60 --json sft.json
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lab.config import MAX_SFT_STEPS, SFT_DEFAULT_LR, SFTRunConfig
from lab.errors import LabError
from lab.kinds.causal import common as causal_lm
from lab.kinds.causal.cpu_speed import choose_attention
from lab.kinds.causal.data import sft_data
from lab.metrics import TensorMemory, count_parameters
from lab.store import run_folder
from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, quiet

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

PREVIEW_TOKENS = 160


def token_text(tokenizer, token_id: int) -> str:
    """One token as readable text: its decoded string, newlines drawn as ↵."""
    return tokenizer.decode([token_id]).replace("\n", "↵")


def mask_preview(tokenizer, example: dict) -> dict:
    """One prepared example: [token text, label] per token (label -100 = masked) and its loss share."""
    ids, labels = example["input_ids"], example["labels"]
    tokens = [[token_text(tokenizer, i), int(l)] for i, l in zip(ids[:PREVIEW_TOKENS], labels[:PREVIEW_TOKENS])]
    return {"tokens": tokens, "loss_tokens": sum(l != -100 for l in labels), "length": len(ids)}


def loss_token_fraction(dataset) -> float:
    """Share of all training tokens whose label is not -100."""
    carrying = total = 0
    for labels in dataset["labels"]:
        carrying += sum(l != -100 for l in labels)
        total += len(labels)
    return carrying / max(total, 1)


def _lengths(tokenizer, rows: list[dict], kind: str) -> list[int]:
    if kind == "messages":
        # transformers 5 returns a BatchEncoding here: its len() is its number of keys, not of tokens
        return [len(tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"])
                for r in rows]
    return [len(ids) for ids in tokenizer([r["prompt"] + r["completion"] for r in rows])["input_ids"]]


def build_trainer(cfg: SFTRunConfig, model, tokenizer, rows: dict, output_dir: str, callbacks: list):
    """An SFTTrainer whose dataset trl has already tokenized and masked (trainer.train_dataset)."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer
    from trl.chat_template_utils import has_generation_markers

    messages = rows["kind"] == "messages"
    if messages and not has_generation_markers(tokenizer.chat_template or ""):
        if "<|im_start|>" not in tokenizer.get_vocab():
            raise LabError("This model's chat template cannot mark assistant turns; upload prompt/completion rows instead.")
        tokenizer.chat_template = causal_lm.CHATML_TRAINING_TEMPLATE
    args = SFTConfig(**causal_lm.trl_settings(cfg, output_dir, causal_lm.learning_rate(cfg, SFT_DEFAULT_LR)),
                     completion_only_loss=not messages, assistant_only_loss=messages)
    peft_config = causal_lm.lora_config(cfg, model) if cfg.method == "lora" else None
    return SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows["train"]),
                      processing_class=tokenizer, peft_config=peft_config, callbacks=callbacks)


def sft_job(cfg: SFTRunConfig, ctx: JobContext) -> dict:
    # measured from before the weights exist, so the peak covers weights, gradients, optimizer state
    # and activations; the answers before training fall inside the window too, and are far smaller
    with TensorMemory(device(), steps=MEMORY_STEPS) as memory:
        return _sft_job(cfg, ctx, memory)


def _sft_job(cfg: SFTRunConfig, ctx: JobContext, memory) -> dict:
    causal_lm.validate(cfg, MAX_SFT_STEPS)
    started = time.perf_counter()
    ctx.log(f"Loading {cfg.model}…")
    model, tokenizer, path = causal_lm.load_causal_lm(cfg.model)
    original_template = tokenizer.chat_template
    notices = causal_lm.clamp_length(cfg, model)
    choose_attention(model, cfg.batch_size, cfg.max_length)
    rows = sft_data(cfg)
    notices += rows["notices"] + causal_lm.length_notice(_lengths(tokenizer, rows["train"], rows["kind"]), cfg.max_length)
    for notice in notices:
        ctx.emit("notice", message=notice)
    ctx.check_cancel()

    ctx.log("Tokenizing and masking with trl…")
    run_dir = run_folder(ctx.job_id, create=True)
    callback = EventCallback(ctx, method=cfg.method)
    trainer = build_trainer(cfg, model, tokenizer, rows, str(run_dir / "trainer"), [callback, MemoryCallback(memory)])
    prepared = trainer.train_dataset
    if len(prepared) == 0:
        raise LabError(f"Every example's answer was cut off by max length {cfg.max_length}; raise it or shorten the prompts.")
    if len(prepared) < len(rows["train"]):
        notices.append(f"{len(rows['train']) - len(prepared)} examples kept no answer token after truncation and were left out.")
        ctx.emit("notice", message=notices[-1])
    fraction = loss_token_fraction(prepared)
    preview = mask_preview(tokenizer, prepared[0])
    quiet(trainer)  # the job reports through events, never prints
    params = count_parameters(trainer.model)
    ctx.emit("preview", **preview, loss_token_fraction=round(fraction, 4), kind=rows["kind"],
             examples=len(prepared), parameters=params)

    outcome = causal_lm.train_between_answers(trainer, tokenizer, rows["heldout"], cfg.max_new_tokens, memory, ctx)
    if outcome["stopped"] and not callback.last_step:
        return {}  # stopped before its first step: no training to keep
    # stopped or not, the model (with LoRA, also its adapter) as trained so far is saved and offered
    train_seconds = callback.seconds_per_step * callback.last_step if callback.seconds_per_step else 0.0

    ctx.log("Saving the tuned model…")
    paths = causal_lm.save_model(trainer.model, tokenizer, run_dir, chat_template=original_template)
    stopped = " (stopped)" if outcome["stopped"] else ""
    source = "tweets" if rows["name"] == "the built-in tweets" else rows["name"]
    return {
        "method": cfg.method, "steps": callback.last_step, "seconds": round(time.perf_counter() - started, 2),
        "train_seconds": round(train_seconds, 2), "seconds_per_step": round(callback.seconds_per_step or 0, 3),
        "loss": callback.losses, "precision": callback.precision, **outcome,
        "loss_token_fraction": round(fraction, 4), "preview": preview, "kind": rows["kind"],
        "parameters": params, "peak_memory_bytes": memory.peak_bytes, "notices": notices,
        "base_model": path, **paths,
        "models": [{"ref": f"run:{ctx.job_id}", "task": "text-generation",
                    "label": f"SmolLM2 SFT {cfg.method}, {source}, {callback.last_step} steps{stopped} ({ctx.job_id[:6]})"
                    if cfg.model == "smollm2" else f"{cfg.model} SFT {cfg.method}{stopped} ({ctx.job_id[:6]})"}],
    }
