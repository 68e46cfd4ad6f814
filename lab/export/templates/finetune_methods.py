"""The fine-tuning methods of an exported comparison, included into finetune.py where it says EXPORT:INCLUDE.

Each method sits between `# >>> method NAME` and `# <<< method NAME`; the exporter keeps only the run's.
Everything above EXPORT:BODY is here only so that this file reads (and lints) on its own.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch import nn

# EXPORT:BODY
METHODS: dict = {}   # name -> prepare(model, settings) -> model
LOAD_KWARGS: dict = {}  # name -> extra from_pretrained arguments
MERGE: dict = {}     # name -> fold the method into a plain classifier to save
CALLBACKS: dict = {}  # name -> (model, settings) -> Trainer callbacks the method needs while it trains


def freeze(model):
    for param in model.parameters():
        param.requires_grad = False


def is_head(name: str) -> bool:
    return name.split(".")[0] in ("classifier", "pre_classifier", "score")


def unfreeze_head(model):
    for name, param in model.named_parameters():
        if is_head(name):
            param.requires_grad = True


def encoder_layers(model) -> nn.ModuleList:
    for name, module in model.named_modules():
        if isinstance(module, nn.ModuleList) and name.split(".")[-1] in ("layer", "layers") and len(module):
            return module
    raise SystemExit("This model has no stack of transformer layers; pick a BERT-like encoder.")


# >>> method full
def prepare_full(model, s):
    for param in model.parameters():
        param.requires_grad = True
    return model


METHODS["full"] = prepare_full
MERGE["full"] = lambda model: model
# <<< method full
# >>> method head
def model_file(source: str, name: str):
    """A file of a model folder or Hub repo, or None where it has none."""
    from transformers.utils import cached_file

    try:
        return cached_file(source, name, _raise_exceptions_for_missing_entries=False,
                           _raise_exceptions_for_connection_errors=False) if source else None
    except (OSError, ValueError):
        return None


def head_features(model) -> str:
    """The base's own sentence vector: a sentence-transformers pooling config's (mean or cls); BERT's pooler
    where the checkpoint has one; else the mean of the token vectors (no pooler: it would be random)."""
    if getattr(model.base_model, "pooler", None) is None:
        return "model"  # DistilBERT, RoBERTa, ...: their own head reads a token vector directly
    source = model.name_or_path
    pooling = model_file(source, "1_Pooling/config.json")
    if pooling:
        modes = json.loads(Path(pooling).read_text())
        return "cls" if modes.get("pooling_mode_cls_token") and not modes.get("pooling_mode_mean_tokens") else "mean"
    index, single = model_file(source, "model.safetensors.index.json"), model_file(source, "model.safetensors")
    if index:
        keys = json.loads(Path(index).read_text())["weight_map"]
    elif single:
        from safetensors import safe_open

        with safe_open(single, "pt") as handle:
            keys = list(handle.keys())
    else:
        return "pooler"
    return "pooler" if any(".pooler." in f".{key}" for key in keys) else "mean"


class SentenceClassifier(nn.Module):
    """encoder -> sentence vector (mean over the real tokens, or [CLS]) -> dropout -> the linear classifier."""

    def __init__(self, model, kind: str):
        super().__init__()
        self.config, self.kind, self.prefix = model.config, kind, model.base_model_prefix
        setattr(self, self.prefix, model.base_model)  # the plain model's parameter names
        self.dropout = getattr(model, "dropout", None) or nn.Identity()
        self.classifier = model.classifier

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kwargs):
        from transformers.modeling_outputs import SequenceClassifierOutput

        hidden = getattr(self, self.prefix)(input_ids=input_ids, attention_mask=attention_mask,
                                            token_type_ids=token_type_ids).last_hidden_state  # (B, T, H)
        if self.kind == "cls":
            pooled = hidden[:, 0]
        elif attention_mask is None:
            pooled = hidden.mean(1)
        else:
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1): 0 on padding
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        logits = self.classifier(self.dropout(pooled))
        loss = None if labels is None else nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


def prepare_head(model, s):
    # every pretrained weight frozen; the head from_pretrained made (new where the base has none, by the model's
    # own init under the seed) learns on the base's own sentence vector
    kind = head_features(model)
    freeze(model)
    unfreeze_head(model)
    if kind in ("mean", "cls") and isinstance(getattr(model, "classifier", None), nn.Linear):
        return SentenceClassifier(model, kind)
    return model


METHODS["head"] = prepare_head
# a plain classifier folder holds BERT's pooler only: a mean-pooled head is saved as its weights
MERGE["head"] = lambda model: None if isinstance(model, SentenceClassifier) else model
# <<< method head
# >>> method selective
def prepare_selective(model, s):
    layers = encoder_layers(model)
    freeze(model)
    for layer in layers[len(layers) - s["top_k_layers"]:]:
        for param in layer.parameters():
            param.requires_grad = True
    unfreeze_head(model)
    pooler = getattr(getattr(model, "base_model", model), "pooler", None)
    if pooler is not None:
        for param in pooler.parameters():
            param.requires_grad = True
    return model


METHODS["selective"] = prepare_selective
MERGE["selective"] = lambda model: model
# <<< method selective
# >>> method adapter
class FeatureAdapter(nn.Module):
    """Houlsby bottleneck: x + up(relu(down(x))), up starting at zero."""

    def __init__(self, hidden: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(hidden, bottleneck)
        self.up = nn.Linear(bottleneck, hidden)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x):  # (B, T, H) -> (B, T, H)
        return x + self.up(torch.relu(self.down(x)))


def prepare_adapter(model, s):
    freeze(model)
    for layer in encoder_layers(model):
        if getattr(layer, "output", None) is not None and isinstance(getattr(layer.output, "dense", None), nn.Linear):
            parent, attr = layer.output, "dense"
        else:
            parent, attr = layer.ffn, "lin2"  # DistilBERT
        dense = getattr(parent, attr)
        setattr(parent, attr, nn.Sequential(dense, FeatureAdapter(dense.out_features, s["adapter_size"])))
    unfreeze_head(model)
    return model


METHODS["adapter"] = prepare_adapter
# <<< method adapter
# >>> method lora
def lora_config(s):
    from peft import LoraConfig, TaskType

    return LoraConfig(task_type=TaskType.SEQ_CLS, r=s["lora_r"], lora_alpha=s["lora_alpha"],
                      lora_dropout=s["lora_dropout"], target_modules=s["target_modules"])


def prepare_lora(model, s):
    from peft import get_peft_model

    return get_peft_model(model, lora_config(s))  # SEQ_CLS keeps the classifier trainable


METHODS["lora"] = prepare_lora
MERGE["lora"] = lambda model: model.merge_and_unload()
# <<< method lora
# >>> method dora
def prepare_dora(model, s):
    from peft import get_peft_model

    # DoRA: LoRA's B A moves each weight's direction; a magnitude vector per output learns its length
    config = lora_config(s)
    config.use_dora = True
    return get_peft_model(model, config)


METHODS["dora"] = prepare_dora
MERGE["dora"] = lambda model: model.merge_and_unload()
# <<< method dora
# >>> method adalora
def prepare_adalora(model, s):
    from peft import AdaLoraConfig, TaskType, get_peft_model

    # start at 1.5x the target rank and prune to it over the middle of training (AdaLoRA's paper)
    steps = int(s["steps"])
    config = AdaLoraConfig(task_type=TaskType.SEQ_CLS, lora_alpha=s["lora_alpha"], lora_dropout=s["lora_dropout"],
                           target_modules=s["target_modules"], init_r=max(s["lora_r"] + 1, round(s["lora_r"] * 1.5)),
                           target_r=s["lora_r"], tinit=steps // 10, tfinal=steps // 5, deltaT=1, total_step=steps)
    return get_peft_model(model, config)


def orthogonality_penalty(adalora_model):
    """What AdaLoraModel.forward adds to the loss: orth_reg_weight x mean ||P P^T - I||, ||Q^T Q - I||."""
    name = adalora_model.trainable_adapter_name
    weight = adalora_model.peft_config[name].orth_reg_weight
    total, count = 0, 0
    with torch.no_grad():
        for n, p in adalora_model.model.named_parameters():
            if ("lora_A" in n or "lora_B" in n) and name in n:
                cov = p @ p.T if "lora_A" in n else p.T @ p
                total += torch.norm(cov - torch.eye(*cov.size(), out=torch.empty_like(cov)), p="fro")
                count += 1
    return weight * (total / count) if count else 0.0


def adalora_callbacks(model, s) -> list:
    from transformers import TrainerCallback

    penalties = []

    def record(module, args, kwargs):  # inside the forward, before peft adds the penalty to the loss
        if module.training and kwargs.get("labels") is not None:
            penalties.append(orthogonality_penalty(module))

    class RankAllocation(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.hook = model.base_model.register_forward_pre_hook(record, with_kwargs=True)

        def on_train_end(self, args, state, control, **kwargs):
            self.hook.remove()

        def on_log(self, args, state, control, logs=None, **kwargs):
            # the logged loss is the task loss (cross-entropy), as for every method; the penalty apart
            if logs is None or "loss" not in logs or not penalties:
                return
            penalty = float(sum(penalties)) / len(penalties)
            penalties.clear()
            for entry in (logs, state.log_history[-1]):
                entry["orth_penalty"] = penalty
                entry["loss"] -= penalty

        def on_optimizer_step(self, args, state, control, **kwargs):
            # after optimizer.step(), before zero_grad(): peft scores each triplet from its gradient
            model.base_model.update_and_allocate(state.global_step + 1)

    return [RankAllocation()]


METHODS["adalora"] = prepare_adalora
MERGE["adalora"] = lambda model: model.merge_and_unload()
CALLBACKS["adalora"] = adalora_callbacks
# <<< method adalora
# >>> method lora_scratch
class LoRALayer(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, rank: int, alpha: float):
        super().__init__()
        self.A = nn.Parameter(torch.empty(in_dim, rank))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(rank, out_dim))
        self.scaling = alpha / rank

    def forward(self, x):  # (..., in) -> (..., out)
        return self.scaling * (x @ self.A @ self.B)


class LinearWithLoRA(nn.Module):
    def __init__(self, linear: nn.Linear, rank: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        self.linear = linear
        self.lora = LoRALayer(linear.in_features, linear.out_features, rank, alpha)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.linear(x) + self.lora(self.dropout(x))

    def merge(self) -> nn.Linear:
        merged = nn.Linear(self.linear.in_features, self.linear.out_features, bias=self.linear.bias is not None)
        with torch.no_grad():
            merged.weight.copy_(self.linear.weight + self.lora.scaling * (self.lora.A @ self.lora.B).T)
            if self.linear.bias is not None:
                merged.bias.copy_(self.linear.bias)
        return merged


def prepare_lora_scratch(model, s):
    freeze(model)
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and name.split(".")[-1] in s["target_modules"] and not is_head(name):
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name), attr,
                    LinearWithLoRA(module, s["lora_r"], s["lora_alpha"], s["lora_dropout"]))
    unfreeze_head(model)
    return model


def merge_lora_scratch(model):
    for name, module in list(model.named_modules()):
        if isinstance(module, LinearWithLoRA):
            parent_name, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent_name), attr, module.merge())
    return model


METHODS["lora_scratch"] = prepare_lora_scratch
MERGE["lora_scratch"] = merge_lora_scratch
# <<< method lora_scratch
# >>> method qlora
def qlora_load_kwargs(s) -> dict:
    from transformers import BitsAndBytesConfig

    # the new classifier stays out of 4-bit: a quantised head cannot be trained. The 4-bit kernels compute
    # in the run's precision; double quantisation on CUDA, as in the QLoRA paper; on CPU single.
    cuda = torch.cuda.is_available()
    compute = torch.bfloat16 if precision() == "bf16" else torch.float32
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute,
                               bnb_4bit_use_double_quant=cuda,
                               llm_int8_skip_modules=["classifier", "pre_classifier", "score"])
    return {"quantization_config": quant, "dtype": torch.float32}


def prepare_qlora(model, s):
    from peft import LoraConfig, TaskType, get_peft_model, prepare_model_for_kbit_training

    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    for module in model.modules():
        # bitsandbytes' repacked CPU kernel needs out_features % 32 == 0 and in_features % blocksize == 0
        state = getattr(getattr(module, "weight", None), "quant_state", None)
        if hasattr(module, "support_avx512bf16_for_cpu") and state is not None and (
                state.shape[0] % 32 or state.shape[1] % state.blocksize):
            module.support_avx512bf16_for_cpu = False
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=s["lora_r"], lora_alpha=s["lora_alpha"],
                        lora_dropout=s["lora_dropout"], target_modules=s["target_modules"])
    return get_peft_model(model, config)


METHODS["qlora"] = prepare_qlora
LOAD_KWARGS["qlora"] = qlora_load_kwargs
# <<< method qlora
# >>> method prompt
def prepare_prompt(model, s):
    from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model

    config = PromptTuningConfig(task_type=TaskType.SEQ_CLS, num_virtual_tokens=s["prompt_tokens"],
                                prompt_tuning_init=PromptTuningInit.RANDOM)
    return get_peft_model(model, config)


METHODS["prompt"] = prepare_prompt
# <<< method prompt
