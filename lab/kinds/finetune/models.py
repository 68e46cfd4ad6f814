"""Saving what each method trained as a run, loading it back, and "Try it" across every trained model.

Methods that fold into a plain classifier (full, head, selective, LoRA merged) save a loadable HF folder
at run_folder(<job>)/<method>/model, which the pipeline tab lists. The others save the parameters they
trained (`trainable.safetensors`: only the adapter for LoRA), rebuilt on the base to be used; LoRA keeps
its adapter file beside the merged folder. `saved_bytes` is what the method must save either way.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from lab import sources
from lab.config import FinetuneConfig
from lab.errors import LabError
from lab.kinds.finetune import methods as registry
from lab.kinds.finetune.data import Plan
from lab.metrics import count_parameters
from lab.store import run_folder

CACHE_SIZE = 8
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def method_dir(job_id: str, name: str) -> Path:
    return run_folder(job_id, create=True) / name


def trainable_state(model) -> dict:
    return {k: p.detach().contiguous().clone() for k, p in model.named_parameters() if p.requires_grad}


def save_method(name: str, model, tokenizer, job_id: str, base_total: int, save: bool = True) -> dict:
    """Write the trained parameters (and a plain model where the method allows); report their bytes."""
    from safetensors.torch import save_file

    state = trainable_state(model)
    adapter_bytes = sum(t.numel() * t.element_size() for t in state.values())
    method = registry.get(name)
    exportable = registry.exportable(name, model)
    out = {"saved_bytes": adapter_bytes, "full_model_bytes": 4 * base_total,
           "exported": exportable,
           "export_note": method.NO_EXPORT_REASON if not exportable
           else "plain classifier folder" if method.EXPORT == "plain"
           else "LoRA merged into the weights: W + (alpha/r) B A"}
    if not save:
        out["exported"] = False
        return out
    folder = method_dir(job_id, name)
    folder.mkdir(parents=True, exist_ok=True)
    plain = registry.export(name, model)
    if plain is None or method.EXPORT != "plain":  # a plain folder holds every trained parameter: no second copy
        save_file(state, str(folder / "trainable.safetensors"))
        out["saved_bytes"] = (folder / "trainable.safetensors").stat().st_size
    if plain is not None:
        plain.save_pretrained(str(folder / "model"))
        tokenizer.save_pretrained(str(folder / "model"))
        out["full_model_bytes"] = sum(f.stat().st_size for f in (folder / "model").glob("*.safetensors"))
    out["path"] = str(folder)
    return out


def load_trained(job_id: str, name: str, result: dict):
    """(model, tokenizer) of one trained method, from its plain folder or rebuilt on the base."""
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    key = (job_id, name)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    folder = method_dir(job_id, name)
    if (folder / "model" / "config.json").exists():
        model = AutoModelForSequenceClassification.from_pretrained(str(folder / "model"))
        tokenizer = AutoTokenizer.from_pretrained(str(folder / "model"))
    elif (folder / "trainable.safetensors").exists():
        cfg = FinetuneConfig(**result["settings"])
        base = sources.hub_folder(result["base_path"])  # a Hub id (older runs) is never opened as a folder
        plan = Plan(base, [], [], result["labels"], [name])
        model, _ = load_base(name, plan, cfg)
        missing = set(load_file(str(folder / "trainable.safetensors"))) - {k for k, _ in model.named_parameters()}
        if missing:
            raise LabError(f"The saved {name} weights do not fit its base any more; train it again.")
        model.load_state_dict(load_file(str(folder / "trainable.safetensors")), strict=False)
        tokenizer = AutoTokenizer.from_pretrained(base)
    else:
        raise LabError(f"The {name} model of this run was not saved; tick 'save models' and train again.")
    model.eval()
    with _cache_lock:
        _cache[key] = (model, tokenizer)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model, tokenizer


def try_it(job_id: str, text: str, result: dict | None = None) -> list[dict]:
    """One input through every trained model of a run: [{"method", "label", "answer", "scores"}]."""
    import torch

    text = (text or "").strip()
    if not text:
        raise LabError("Type a sentence to try the trained models on.")
    if len(text) > 2000:
        raise LabError("Keep the sentence under 2,000 characters.")
    if result is None:
        from lab.store import Store
        run = Store().get_run(job_id)
        if run is None or not run.get("result"):
            raise LabError("Run a comparison first; its trained models answer here.")
        result = run["result"]
    answers = []
    for name in result["order"]:
        model, tokenizer = load_trained(job_id, name, result)
        batch = tokenizer([text], truncation=True, max_length=result["settings"]["max_length"], return_tensors="pt")
        with torch.no_grad():
            probs = model(**batch).logits.softmax(-1)[0].tolist()  # (num_labels,)
        labels = result["labels"]
        best = max(range(len(probs)), key=probs.__getitem__)
        answers.append({"method": name, "label": result["methods"][name]["label"], "answer": labels[best],
                        "scores": [[labels[i], p] for i, p in enumerate(probs)]})
    return answers


def load_classifier(plan: Plan, cfg: FinetuneConfig, **kwargs):
    """The base checkpoint as a classifier with a new head for the plan's labels (seeded: same head per seed)."""
    from transformers import AutoModelForSequenceClassification, set_seed

    set_seed(cfg.seed)
    labels = plan.labels
    return AutoModelForSequenceClassification.from_pretrained(
        plan.base_path, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, **kwargs)


def load_base(name: str, plan: Plan, cfg: FinetuneConfig, base=None):
    """The base as a fresh classifier for one method (4-bit for QLoRA), prepared by the method.

    `base`: the comparison's classifier, loaded once; a method that loads it as it is gets a copy of it
    instead of reading the checkpoint again (QLoRA's 4-bit load still reads it).
    """
    import copy

    from transformers import set_seed

    kwargs = registry.load_kwargs(name, cfg)
    if base is not None and not kwargs:
        model = copy.deepcopy(base)
    else:
        model = load_classifier(plan, cfg, **kwargs)
    set_seed(cfg.seed)  # re-seeded per method: its adapters start the same whatever ran before
    base_total = count_parameters(model)["total"]
    return registry.prepare(name, model, cfg), base_total
