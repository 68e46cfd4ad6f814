"""LoRA written from scratch: a LoRALayer beside each target Linear, no peft.

    h = W x + (alpha / r) * (x A) B        A: (in, r) random, B: (r, out) zeros

B starts at zero, so the model begins exactly as the base. `merge` folds the update into W.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from lab.kinds.finetune.methods.common import check_rank, check_targets, freeze, is_head, unfreeze_head

NAME = "lora_scratch"
LABEL = "LoRA (from scratch)"
LEARNING_RATE = 5e-3
EXPORT = "merged"


class LoRALayer(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, rank: int, alpha: float):
        super().__init__()
        self.A = nn.Parameter(torch.empty(in_dim, rank))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(rank, out_dim))
        self.scaling = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., in) -> (..., out)
        return self.scaling * (x @ self.A @ self.B)

    def delta_weight(self) -> torch.Tensor:  # (out, in), the update added to W
        return self.scaling * (self.A @ self.B).T


class LinearWithLoRA(nn.Module):
    def __init__(self, linear: nn.Linear, rank: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        self.linear = linear
        self.lora = LoRALayer(linear.in_features, linear.out_features, rank, alpha)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) + self.lora(self.dropout(x))

    def merge(self) -> nn.Linear:
        merged = nn.Linear(self.linear.in_features, self.linear.out_features, bias=self.linear.bias is not None)
        with torch.no_grad():
            merged.weight.copy_(self.linear.weight + self.lora.delta_weight())
            if self.linear.bias is not None:
                merged.bias.copy_(self.linear.bias)
        return merged


def replace_linear_with_lora(model: nn.Module, targets: list[str], rank: int, alpha: float,
                             dropout: float = 0.0) -> nn.Module:
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and name.split(".")[-1] in targets and not is_head(name):
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name), attr, LinearWithLoRA(module, rank, alpha, dropout))
    return model


def merge_lora(model: nn.Module) -> nn.Module:
    """Every LinearWithLoRA replaced by one plain Linear holding W + (alpha/r) (A B)^T."""
    for name, module in list(model.named_modules()):
        if isinstance(module, LinearWithLoRA):
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name), attr, module.merge())
    return model


def check(model, cfg) -> None:
    check_rank(model, cfg.lora_r)
    check_targets(model, cfg.target_list())


def prepare(model, cfg):
    check(model, cfg)
    freeze(model)
    replace_linear_with_lora(model, cfg.target_list(), cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout)
    unfreeze_head(model)
    return model


def export(model):
    return merge_lora(model)
