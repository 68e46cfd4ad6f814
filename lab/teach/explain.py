"""Explainers that answer at once, without training: LoRA shapes, one NF4 block, a parameter map.

    python -c "from lab.teach import explain; print(explain.lora_shapes('minilm', 'query,value', 8))"

After training, `update_spectrum` gives the singular values of each learned update (alpha/r) B A:
how much of the rank r the update really uses.

A page passes its verified owner id as `viewer`: a base named `run:<id>` is read only when the run is
the viewer's or shared, so a stranger's private run reads like a missing one. The check runs on every
call, before any cache is asked (the caches hold folders, never references).
"""
from __future__ import annotations

import functools

import torch
from torch import nn

from lab import sources
from lab.errors import LabError
from lab.kinds.finetune.methods.common import HEAD_PREFIXES


def _skeleton(base: str, viewer: str | None = "", allow_local: bool = False, num_labels: int = 2):
    """The base's weightless module tree; `viewer` "" (nobody) reads no private run, None trusts (the CLI)."""
    return _skeleton_of(sources.resolve_model(base, viewer=viewer, allow_local=allow_local), num_labels)


@functools.lru_cache(maxsize=4)
def _skeleton_of(path: str, num_labels: int):
    from lab.kinds.finetune.data import skeleton
    return skeleton(path, num_labels)


def lora_shapes(base: str, target_modules: str, r: int, alpha: int = 16, viewer: str | None = "") -> dict:
    """Shapes of W, A and B for each target, and the LoRA parameter count against the whole model."""
    from lab.kinds.finetune.methods.common import check_rank, check_targets, is_head

    model = _skeleton(base, viewer)
    targets = [t.strip() for t in target_modules.split(",") if t.strip()]
    check_rank(model, r)
    check_targets(model, targets)
    rows, lora_params = [], 0
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and name.split(".")[-1] in targets and not is_head(name):
            out_f, in_f = module.out_features, module.in_features
            count = r * (in_f + out_f)
            lora_params += count
            rows.append({"module": name, "W": [out_f, in_f], "A": [r, in_f], "B": [out_f, r],
                         "W_params": out_f * in_f, "lora_params": count})
    total = sum(p.numel() for p in model.parameters())
    return {"r": r, "alpha": alpha, "scaling": alpha / r, "modules": rows, "lora_params": lora_params,
            "total_params": total, "percent": 100.0 * lora_params / total}


def weight_names(base: str, viewer: str | None = "") -> list[str]:
    """The 2-D weights of the model's Linear layers (the ones QLoRA quantises)."""
    model = _skeleton(base, viewer)
    return [f"{n}.weight" for n, m in model.named_modules() if isinstance(m, nn.Linear)
            and not n.startswith(HEAD_PREFIXES)]


@functools.lru_cache(maxsize=2)
def _weights(base_path: str) -> dict:
    from transformers import AutoModel
    model = AutoModel.from_pretrained(sources.hub_folder(base_path))
    return {n: p.detach() for n, p in model.named_parameters() if p.dim() == 2}


def nf4_block(base: str = "minilm", weight: str = "", block: int = 0, blocksize: int = 64,
              viewer: str | None = "") -> dict:
    """One real block of a weight, its absmax, the 16 NF4 levels it is rounded to, and the error."""
    from lab.kinds.finetune.methods.bnb import bitsandbytes

    functional = bitsandbytes().functional
    weights = _weights(sources.resolve_model(base, viewer=viewer))
    name = weight or next(n for n in weights if n.endswith("query.weight"))
    name = name.removeprefix("bert.").removeprefix("base_model.")
    if name not in weights:
        raise LabError(f"The model has no weight named {name}; pick one from the list.")
    w = weights[name].float().flatten()  # NF4 works on blocks of the flattened weight
    blocks = w.numel() // blocksize
    if not 0 <= block < blocks:
        raise LabError(f"{name} has {blocks} blocks of {blocksize}; pick a block from 0 to {blocks - 1}.")
    values = w[block * blocksize:(block + 1) * blocksize].contiguous()
    packed, state = functional.quantize_4bit(values, blocksize=blocksize, quant_type="nf4")
    restored = functional.dequantize_4bit(packed, state).flatten()
    levels = functional.get_4bit_type("nf4", device="cpu").float()
    absmax = float(state.absmax.flatten()[0])
    error = (restored - values).norm() / values.norm()
    return {"weight": name, "block": block, "blocks": blocks, "blocksize": blocksize, "values": values.tolist(),
            "restored": restored.tolist(), "absmax": absmax, "levels": levels.tolist(),
            "scaled_levels": (levels * absmax).tolist(), "relative_error": float(error),
            "max_abs_error": float((restored - values).abs().max()),
            # 4 bits per value plus one fp32 absmax per block; double quantisation stores the absmax in
            # 8 bits with one fp32 scale per 256 blocks.
            "bits_per_param": 4 + 32 / blocksize,
            "bits_per_param_double_quant": 4 + 8 / blocksize + 32 / (blocksize * 256)}


def parameter_map(base: str, method_names: list[str], cfg, allow_local: bool = False, viewer: str | None = "") -> dict:
    """{method: {group: {"trainable", "total"}}} for the methods as prepared on the base (random weights)."""
    from transformers import AutoModelForSequenceClassification

    from lab.kinds.finetune import methods as registry
    from lab.metrics import parameter_groups

    config = _skeleton(base, viewer, allow_local).config
    out = {}
    for name in method_names:
        # QLoRA's 4-bit base needs bitsandbytes and real weights; its trainable parameters are LoRA's,
        # checked against peft's own count in the tests. The meta device draws no random numbers, so
        # an explainer never moves the global RNG a training job is using.
        key = "lora" if name == "qlora" else name
        with torch.device("meta"):
            model = AutoModelForSequenceClassification.from_config(config)
            out[name] = parameter_groups(registry.prepare(key, model, cfg))
    return out
