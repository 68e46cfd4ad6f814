"""What every method needs to find in a classifier: its encoder layers, its head, a way to freeze.

The lab's bases are BERT-like encoders with a sequence-classification head (BERT, MiniLM, RoBERTa,
DistilBERT, the pre-training tab's models); these helpers find their parts by structure, not by one
model's attribute names.
"""
from __future__ import annotations

from torch import nn

from lab.errors import LabError

HEAD_PREFIXES = ("classifier", "pre_classifier", "score")


def freeze(model: nn.Module) -> None:
    for param in model.parameters():
        param.requires_grad = False


def is_head(name: str) -> bool:
    return name.split(".")[0] in HEAD_PREFIXES


def unfreeze_head(model: nn.Module) -> None:
    for name, param in model.named_parameters():
        if is_head(name):
            param.requires_grad = True


def encoder_layers(model: nn.Module) -> nn.ModuleList:
    """The stack of transformer blocks (encoder.layer in BERT, transformer.layer in DistilBERT)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.ModuleList) and name.split(".")[-1] in ("layer", "layers") and len(module):
            return module
    raise LabError("This model has no stack of transformer layers the lab can find; pick a BERT-like encoder.")


def linear_names(model: nn.Module) -> set[str]:
    """The short names of the model's Linear layers (query, value, dense, ...), the head left out."""
    return {name.split(".")[-1] for name, module in model.named_modules()
            if isinstance(module, nn.Linear) and not is_head(name)}


def check_targets(model: nn.Module, targets: list[str]) -> None:
    if not targets:
        raise LabError("Name at least one target module for LoRA, such as query,value.")
    have = linear_names(model)
    missing = [t for t in targets if t not in have]
    if missing:
        raise LabError(f"This model has no Linear layer named {', '.join(missing)}; "
                       f"choose among {', '.join(sorted(have))}.")


def check_rank(model: nn.Module, r: int) -> None:
    hidden = model.config.hidden_size
    if r < 1 or r > hidden:
        raise LabError(f"The LoRA rank must be between 1 and the hidden size ({hidden}); {r} is not.")
