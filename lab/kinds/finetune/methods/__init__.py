"""The fine-tuning methods: one file each, one signature, one table.

    prepare(model, cfg) -> model     freeze / wrap / add what the method trains
    check(model, cfg)                optional: raise a LabError sentence before anything trains
    load_kwargs(cfg) -> dict         optional: extra from_pretrained arguments (QLoRA's 4-bit config)
    export(model) -> model           optional: fold the method into a plain classifier (LoRA's merge)
    callbacks(model, ctx, method)    optional: Trainer callbacks the method needs (AdaLoRA's rank budget)

Each module also names its LABEL, its tuned LEARNING_RATE and EXPORT ("plain", "merged" or None,
then NO_EXPORT_REASON says why only the adapter is saved); `exportable(model)`, where a module has it,
says whether this prepared model folds (the head does not when it reads a mean-pooled vector).
"""
from __future__ import annotations

from types import ModuleType

from lab.errors import LabError
from lab.kinds.finetune.methods import adalora, adapter, dora, full, head, lora, lora_scratch, prompt, qlora, selective

METHODS: dict[str, ModuleType] = {m.NAME: m for m in (full, head, selective, adapter, lora, lora_scratch,
                                                       qlora, dora, adalora, prompt)}


def get(name: str) -> ModuleType:
    try:
        return METHODS[name]
    except KeyError:
        raise LabError(f"Unknown fine-tuning method '{name}'; choose from {', '.join(METHODS)}.") from None


def prepare(name: str, model, cfg):
    return get(name).prepare(model, cfg)


def check(name: str, model, cfg) -> None:
    """The method's own checks (rank, targets, bitsandbytes, ...) on a model skeleton, before training."""
    method = get(name)
    if hasattr(method, "check"):
        method.check(model, cfg)


def load_kwargs(name: str, cfg) -> dict:
    method = get(name)
    return method.load_kwargs(cfg) if hasattr(method, "load_kwargs") else {}


def callbacks(name: str, model, ctx) -> list:
    method = get(name)
    return method.callbacks(model, ctx, name) if hasattr(method, "callbacks") else []


def exportable(name: str, model) -> bool:
    """Whether this trained model folds into a plain classifier (the head only when it reads BERT's pooler)."""
    method = get(name)
    return method.EXPORT is not None and (not hasattr(method, "exportable") or method.exportable(model))


def export(name: str, model):
    """The model as a plain classifier to save, or None where the method cannot be exported."""
    method = get(name)
    if not exportable(name, model):
        return None
    return method.export(model) if hasattr(method, "export") else model
