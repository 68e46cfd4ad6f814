"""Selective fine-tuning: the head plus the top k encoder layers (and the pooler between them) train."""
from __future__ import annotations

from lab.errors import LabError
from lab.kinds.finetune.methods.common import encoder_layers, freeze, unfreeze_head

NAME = "selective"
LABEL = "Head + top layers"
LEARNING_RATE = 2e-4
EXPORT = "plain"


def check(model, cfg) -> None:
    layers = encoder_layers(model)
    k = cfg.top_k_layers
    if not 1 <= k <= len(layers):
        raise LabError(f"Top layers must be between 1 and {len(layers)} for this model; {k} is not.")


def prepare(model, cfg):
    check(model, cfg)
    layers = encoder_layers(model)
    freeze(model)
    for layer in layers[len(layers) - cfg.top_k_layers:]:
        for param in layer.parameters():
            param.requires_grad = True
    unfreeze_head(model)
    pooler = getattr(getattr(model, "base_model", model), "pooler", None)
    if pooler is not None:  # it sits between the top layer and the head
        for param in pooler.parameters():
            param.requires_grad = True
    return model
