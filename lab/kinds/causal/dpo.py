"""Preference tuning with trl's DPOTrainer: raise the likelihood of the chosen answer over the rejected.

Pairs come from the built-in tweets (chosen: the right label, rejected: the wrong one) or an upload
with prompt/chosen/rejected. The reference model is the starting model (with LoRA: the same weights
with the adapter switched off). Step events carry the loss and the reward margin (chosen minus rejected).

    python -m lab dpo --steps 30 --json dpo.json
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lab.config import DPO_DEFAULT_LR, MAX_SFT_STEPS, DPORunConfig
from lab.errors import LabError
from lab.kinds.causal import common as causal_lm
from lab.kinds.causal.cpu_speed import choose_attention
from lab.kinds.causal.data import dpo_data
from lab.metrics import TensorMemory, count_parameters
from lab.store import run_folder
from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, quiet

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

# trl's log keys -> the names on our step events
DPO_FIELDS = {"reward_margin": "rewards/margins", "reward_chosen": "rewards/chosen",
              "reward_rejected": "rewards/rejected", "reward_accuracy": "rewards/accuracies"}


class DPOEventCallback(EventCallback):
    """EventCallback whose step events also carry DPO's rewards."""

    def __init__(self, ctx, memory=None, **extra):
        super().__init__(ctx, memory=memory, **extra)
        self.base_extra = dict(extra)
        self.margins: list[list[float]] = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        rewards = {name: round(float(logs[key]), 5) for name, key in DPO_FIELDS.items() if key in logs}
        self.extra = {**self.base_extra, **rewards}
        if "loss" in logs and "reward_margin" in rewards:
            self.margins.append([state.global_step, rewards["reward_margin"]])
        return super().on_log(args, state, control, logs=logs, **kwargs)


def dpo_job(cfg: DPORunConfig, ctx: JobContext) -> dict:
    # measured from before the weights exist, so the peak covers weights, gradients, optimizer state
    # and activations (for DPO's full method, also the reference copy trl makes)
    with TensorMemory(device(), steps=MEMORY_STEPS) as memory:
        return _dpo_job(cfg, ctx, memory)


def _dpo_job(cfg: DPORunConfig, ctx: JobContext, memory) -> dict:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    causal_lm.validate(cfg, MAX_SFT_STEPS)
    if not 0 < cfg.beta <= 10:
        raise LabError("Beta must be above 0 and at most 10; 0.1 is the usual value.")
    started = time.perf_counter()
    ctx.log(f"Loading {cfg.model}…")
    model, tokenizer, path = causal_lm.load_causal_lm(cfg.model)
    notices = causal_lm.clamp_length(cfg, model)
    choose_attention(model, 2 * cfg.batch_size, cfg.max_length)  # a chosen and a rejected per pair
    rows = dpo_data(cfg)
    lengths = [len(ids) for ids in tokenizer([r["prompt"] + max(r["chosen"], r["rejected"], key=len)
                                              for r in rows["train"]])["input_ids"]]
    notices += rows["notices"] + causal_lm.length_notice(lengths, cfg.max_length)
    for notice in notices:
        ctx.emit("notice", message=notice)
    ctx.check_cancel()

    run_dir = run_folder(ctx.job_id, create=True)
    callback = DPOEventCallback(ctx, method=cfg.method)
    args = DPOConfig(**causal_lm.trl_settings(cfg, str(run_dir / "trainer"), causal_lm.learning_rate(cfg, DPO_DEFAULT_LR)),
                     beta=cfg.beta)
    peft_config = causal_lm.lora_config(cfg, model) if cfg.method == "lora" else None
    ctx.log("Tokenizing the pairs with trl…")
    trainer = quiet(DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows["train"]),
                               processing_class=tokenizer, peft_config=peft_config,
                               callbacks=[callback, MemoryCallback(memory)]))
    params = count_parameters(trainer.model)
    ctx.emit("preview", examples=len(rows["train"]), parameters=params, example=rows["train"][0])

    outcome = causal_lm.train_between_answers(trainer, tokenizer, rows["heldout"], cfg.max_new_tokens, memory, ctx)
    if outcome["stopped"] and not callback.last_step:
        return {}  # stopped before its first step: no training to keep
    # stopped or not, the model (with LoRA, also its adapter) as trained so far is saved and offered

    ctx.log("Saving the tuned model…")
    paths = causal_lm.save_model(trainer.model, tokenizer, run_dir)
    return {
        "method": cfg.method, "steps": callback.last_step, "seconds": round(time.perf_counter() - started, 2),
        "train_seconds": round((callback.seconds_per_step or 0) * callback.last_step, 2),
        "seconds_per_step": round(callback.seconds_per_step or 0, 3), "loss": callback.losses,
        "reward_margin": callback.margins, "precision": callback.precision, **outcome,
        "parameters": params, "peak_memory_bytes": memory.peak_bytes, "notices": notices, "beta": cfg.beta,
        "base_model": path, **paths,
        "models": [{"ref": f"run:{ctx.job_id}", "task": "text-generation",
                    "label": f"{cfg.model} DPO {cfg.method}, {callback.last_step} steps"
                             f"{' (stopped)' if outcome['stopped'] else ''} ({ctx.job_id[:6]})"}],
    }
