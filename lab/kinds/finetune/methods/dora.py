"""DoRA with peft (`use_dora=True`): LoRA's low-rank update, with each weight's length learnt apart.

    W' = m * (W + (alpha / r) B A) / ||W + (alpha / r) B A||      (the norm per output column)

The direction moves through LoRA's B A; the magnitude vector m (one number per output) trains on
its own. It starts at ||W||, so before training the model is exactly the base.
"""
from __future__ import annotations

import lab.kinds.finetune.methods.lora as lora

NAME = "dora"
LABEL = "DoRA (weight-decomposed LoRA)"
LEARNING_RATE = 5e-3  # LoRA's rate: the direction part is LoRA's B A
EXPORT = "merged"  # m * (W + dW) / ||W + dW|| is again one plain weight matrix


def dora_config(cfg):
    config = lora.lora_config(cfg)
    config.use_dora = True
    return config


def check(model, cfg) -> None:
    lora.check(model, cfg)  # the same rank and target modules as LoRA


def prepare(model, cfg):
    from peft import get_peft_model

    check(model, cfg)
    return get_peft_model(model, dora_config(cfg))


def export(model):
    return model.merge_and_unload()
