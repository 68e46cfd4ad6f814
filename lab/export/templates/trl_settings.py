"""The lab's Trainer defaults for a trl config, and its LoRA config, as an exported causal script sets them:
included into the SFT/DPO and RLHF templates where they say `# EXPORT:INCLUDE trl_settings.py` (the lab's
own is lab/kinds/causal/common.py: trl_settings, lora_config).

Everything above EXPORT:BODY is here only so that this file reads (and lints) on its own: the templates
include precision.py and the lab's cpu_speed.py before it.
"""
from __future__ import annotations

from pathlib import Path

import torch


def precision() -> str:  # the template includes precision.py's
    return "fp32"


def score_loss_tokens_only() -> bool:  # the template includes cpu_speed.py's
    return False


def accumulate_lm_head_in_blocks() -> bool:  # the template includes cpu_speed.py's
    return False


# EXPORT:BODY
def trainer_settings(s: dict, output_dir: Path, steps: int, **extra) -> dict:
    """The lab's Trainer defaults: a log every step, no checkpoints, its precision, no activation checkpointing, and
    trl's fused LM head scored only where a label is, its gradient accumulated in blocks (as the lab trains);
    `extra` adds a config's own settings (max_length, ...)."""
    score_loss_tokens_only()
    accumulate_lm_head_in_blocks()
    return dict(output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=s["batch_size"],
                learning_rate=s["learning_rate"], seed=s["seed"], data_seed=s["seed"], logging_steps=1,
                save_strategy="no", report_to="none", disable_tqdm=True, dataloader_num_workers=0,
                use_cpu=not torch.cuda.is_available(), bf16=precision() == "bf16", fp16=False,
                activation_checkpointing=False, lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0,
                **extra)


def lora_config(s: dict):
    """The run's LoRA adapters (None for full fine-tuning)."""
    from peft import LoraConfig

    if s["method"] != "lora":
        return None
    return LoraConfig(r=s["lora_r"], lora_alpha=s["lora_alpha"], lora_dropout=0.0, bias="none",
                      target_modules=s["lora_targets"], task_type="CAUSAL_LM")
