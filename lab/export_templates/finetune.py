"""A fine-tuning comparison exported from Fine-Tuning Lab: the same methods, data, seed and Trainer settings.

    python train.py                                   # every method of the run, one after another
    python train.py --methods lora --steps 500        # one method, longer
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py
    torchrun --standalone --nproc_per_node 2 train.py        # two processes, also on CPUs (gloo)

Uses only torch, transformers, datasets, peft and bitsandbytes (QLoRA); the Trainer runs on accelerate, so
the same file scales to several GPUs or machines. Results go to outputs/ (see README.md).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                          TrainingArguments, set_seed)

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS

METHODS: dict = {}   # name -> prepare(model, settings) -> model
LOAD_KWARGS: dict = {}  # name -> extra from_pretrained arguments
MERGE: dict = {}     # name -> fold the method into a plain classifier to save


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
def prepare_head(model, s):
    freeze(model)
    old = model.classifier
    if isinstance(old, nn.Linear):  # a fresh head, trainable by default
        model.classifier = nn.Linear(old.in_features, old.out_features)
    else:
        for param in old.parameters():
            param.requires_grad = True
    return model


METHODS["head"] = prepare_head
MERGE["head"] = lambda model: model
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

    # the new classifier stays out of 4-bit: a quantised head cannot be trained
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32,
                               bnb_4bit_use_double_quant=False,
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


def model_source(spec: dict, override: str | None) -> str:
    """--model, else the folder named in SETTINGS when it exists here, else its Hub id."""
    if override:
        return override
    if spec.get("path"):
        path = Path(spec["path"]) if Path(spec["path"]).is_absolute() else HERE / spec["path"]
        if path.exists():
            return str(path)
    if spec.get("hub_id"):
        return spec["hub_id"]
    raise SystemExit(f"The model folder {spec.get('path')} is not on this machine; pass --model FOLDER_OR_HUB_ID.")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def encode(rows: list[dict], tokenizer, labels: list[str], max_length: int):
    import datasets

    label_ids = {label: i for i, label in enumerate(labels)}
    rows = [r for r in rows if str(r["label"]) in label_ids]
    encoded = tokenizer([r["text"] for r in rows], truncation=True, max_length=max_length)
    columns = {k: encoded[k] for k in encoded.keys()}
    columns["labels"] = [label_ids[str(r["label"])] for r in rows]
    return datasets.Dataset.from_dict(columns)  # unpadded: the collator pads each batch to its longest


def compute_metrics(prediction) -> dict:
    logits, labels = prediction.predictions, prediction.label_ids
    if isinstance(logits, tuple):
        logits = logits[0]
    predicted = np.asarray(logits).argmax(-1)
    f1s = []
    for label in np.unique(np.concatenate([labels, predicted])):  # macro F1, as scikit-learn computes it
        tp = np.sum((predicted == label) & (labels == label))
        fp, fn = np.sum((predicted == label) & (labels != label)), np.sum((predicted != label) & (labels == label))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {"accuracy": float((predicted == labels).mean()), "f1": float(np.mean(f1s))}


def load_base(name: str, source: str, labels: list[str]):
    set_seed(SETTINGS["seed"])  # the new head and adapters start the same for a given seed
    extra = LOAD_KWARGS[name](SETTINGS) if name in LOAD_KWARGS else {}
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, **extra)
    return METHODS[name](model, SETTINGS)


def training_args(output_dir: Path, steps: int, learning_rate: float) -> TrainingArguments:
    s = SETTINGS
    return TrainingArguments(
        output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=s["batch_size"],
        per_device_eval_batch_size=s["eval_batch_size"], learning_rate=learning_rate, seed=s["seed"],
        data_seed=s["seed"], logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, use_cpu=not torch.cuda.is_available(), bf16=False, fp16=False,
        lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0, label_names=["labels"],
        remove_unused_columns=False)


def save(name: str, trainer: Trainer, tokenizer, folder: Path) -> None:
    """The trained parameters (adapter-sized for LoRA and friends), and a plain classifier where it folds into one."""
    from safetensors.torch import save_file

    model = trainer.model
    state = {k: p.detach().cpu().contiguous() for k, p in model.named_parameters() if p.requires_grad}
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / "trainable.safetensors"))
    if hasattr(model, "peft_config"):
        model.save_pretrained(str(folder / "adapter"))
    if name in MERGE:
        MERGE[name](model).save_pretrained(str(folder / "model"))
        tokenizer.save_pretrained(str(folder / "model"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="A model folder or Hub id instead of the run's base.")
    parser.add_argument("--methods", default=",".join(SETTINGS["methods"]), help="Methods to train, comma-separated.")
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"], help="Optimizer steps per method.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where models and results go.")
    args = parser.parse_args()
    out = Path(args.output_dir)
    source = model_source(SETTINGS["base"], args.model)
    labels = SETTINGS["labels"]
    tokenizer = AutoTokenizer.from_pretrained(source)
    train_ds = encode(read_jsonl(HERE / SETTINGS["data"]["train"]), tokenizer, labels, SETTINGS["max_length"])
    eval_ds = encode(read_jsonl(HERE / SETTINGS["data"]["eval"]), tokenizer, labels, SETTINGS["max_length"])
    results, main_process = {}, True
    for name in [m.strip() for m in args.methods.split(",") if m.strip()]:
        if name not in METHODS:
            raise SystemExit(f"This export holds the methods {', '.join(METHODS)}; '{name}' is not one of them.")
        model = load_base(name, source, labels)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        lr = SETTINGS["methods"][name]["learning_rate"]
        trainer = Trainer(model=model, args=training_args(out / name / "trainer", args.steps, lr),
                          train_dataset=train_ds, eval_dataset=eval_ds,
                          data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics)
        trainer.train()
        scores = trainer.evaluate()
        world = trainer.args.world_size
        backend = torch.distributed.get_backend() if torch.distributed.is_initialized() else "none"
        print(f"[rank {trainer.args.process_index}/{world} {backend}] {name}: trained {trainer.state.global_step} "
              f"steps, accuracy {scores['eval_accuracy']:.3f}", flush=True)
        results[name] = {"learning_rate": lr, "trainable_params": trainable, "steps": trainer.state.global_step,
                         "accuracy": scores["eval_accuracy"], "f1": scores["eval_f1"], "world_size": world, "backend": backend,
                         "loss": [[h["step"], h["loss"]] for h in trainer.state.log_history if "loss" in h]}
        main_process = trainer.is_world_process_zero()
        if main_process:  # one copy of the model, whatever the number of processes
            save(name, trainer, tokenizer, out / name)
        del trainer, model
    if main_process:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({"run_id": SETTINGS["run_id"], "methods": results}, indent=2))
        print(f"Results in {out / 'results.json'}")


if __name__ == "__main__":
    main()
