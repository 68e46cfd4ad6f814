"""LoRA with peft: W x + (alpha / r) * B A x on the target Linear layers; the head trains too."""
from __future__ import annotations

from lab.kinds.finetune.methods.common import check_rank, check_targets

NAME = "lora"
LABEL = "LoRA (peft)"
LEARNING_RATE = 5e-3
EXPORT = "merged"  # W + (alpha/r) B A folds into a plain Linear


def lora_config(cfg):
    from peft import LoraConfig, TaskType

    return LoraConfig(task_type=TaskType.SEQ_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                      lora_dropout=cfg.lora_dropout, target_modules=cfg.target_list())


def check(model, cfg) -> None:
    check_rank(model, cfg.lora_r)
    check_targets(model, cfg.target_list())


def prepare(model, cfg):
    from peft import get_peft_model

    check(model, cfg)
    return get_peft_model(model, lora_config(cfg))  # SEQ_CLS keeps the classifier trainable


def export(model):
    return model.merge_and_unload()
