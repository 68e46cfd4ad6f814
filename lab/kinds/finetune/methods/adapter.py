"""Bottleneck adapters (Houlsby-style) in plain PyTorch, after each layer's feed-forward output.

Each FeatureAdapter squeezes the hidden vector down, applies ReLU, projects back up and adds the
input again; its up-projection starts at zero, so before training the model is exactly the base.
Only the adapters and the head train.
"""
from __future__ import annotations

import torch
from torch import nn

from lab.errors import LabError
from lab.kinds.finetune.methods.common import encoder_layers, freeze, unfreeze_head

NAME = "adapter"
LABEL = "Bottleneck adapter"
LEARNING_RATE = 1e-3
EXPORT = None  # the adapters are new modules: a plain BERT folder cannot hold them
NO_EXPORT_REASON = "adds modules that a plain classifier does not have; saved as adapter weights only"


class FeatureAdapter(nn.Module):
    def __init__(self, hidden: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(hidden, bottleneck)
        self.up = nn.Linear(bottleneck, hidden)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, H) -> (B, T, H)
        return x + self.up(torch.relu(self.down(x)))


def _ffn_output(layer: nn.Module) -> tuple[nn.Module, str]:
    """The module holding the feed-forward output projection, and that projection's attribute name."""
    output = getattr(layer, "output", None)
    if output is not None and isinstance(getattr(output, "dense", None), nn.Linear):
        return output, "dense"  # BERT, RoBERTa, MiniLM
    ffn = getattr(layer, "ffn", None)
    if ffn is not None and isinstance(getattr(ffn, "lin2", None), nn.Linear):
        return ffn, "lin2"  # DistilBERT
    raise LabError("The bottleneck adapter knows BERT-style layers only; pick another method for this model.")


def check(model, cfg) -> None:
    hidden = model.config.hidden_size
    if not 1 <= cfg.adapter_size <= hidden:
        raise LabError(f"The adapter size must be between 1 and the hidden size ({hidden}); "
                       f"{cfg.adapter_size} is not.")
    for layer in encoder_layers(model):
        _ffn_output(layer)


def prepare(model, cfg):
    check(model, cfg)
    freeze(model)
    for layer in encoder_layers(model):
        parent, attr = _ffn_output(layer)
        dense = getattr(parent, attr)
        # before the residual add and LayerNorm, as in Houlsby et al.
        setattr(parent, attr, nn.Sequential(dense, FeatureAdapter(dense.out_features, cfg.adapter_size)))
    unfreeze_head(model)
    return model
