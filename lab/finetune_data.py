"""The comparison's inputs, checked before anything trains: dataset rows, labels, base model, settings.

`make_plan(cfg)` returns everything the runner needs or raises one LabError sentence: a dataset with
one class, no label column, labels that are not categories, a rank out of range, target modules the
model lacks, QLoRA where bitsandbytes cannot run, an unknown method or base.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab import data, resources
from lab.config import FINETUNE_MAX_STEPS, FinetuneConfig
from lab.errors import LabError

MAX_BATCH = 128
MAX_TRAIN_ROWS = 50_000


@dataclass
class Plan:
    base_path: str
    train: list[dict]
    evaluation: list[dict]
    labels: list[str]
    methods: list[str]


def load_rows(dataset: str) -> tuple[list[dict], list[dict], list[str]]:
    """(train, eval, labels) for the built-in tweets, an uploaded file or a Hub dataset."""
    dataset = (dataset or "").strip()
    if dataset in ("", "tweets"):
        train, evaluation = data.tweet_split()
    elif Path(dataset).is_file():
        rows = data.read_upload(dataset, need_labels=True)
        train, evaluation = data.split_rows(rows)
    else:
        train, evaluation = data.split_rows(data.hub_rows(dataset, limit=MAX_TRAIN_ROWS))
    labels = data.check_labels(train + evaluation, Path(dataset).name if dataset else "The dataset")
    return train[:MAX_TRAIN_ROWS], evaluation, labels


def check_settings(cfg: FinetuneConfig) -> list[str]:
    from lab.methods import get

    methods = cfg.method_list()
    if not methods:
        raise LabError("Tick at least one method to compare.")
    if len(set(methods)) != len(methods):
        raise LabError("Each method can be ticked once.")
    for name in methods:
        get(name)  # an unknown name gets its sentence
    if not 1 <= cfg.steps <= FINETUNE_MAX_STEPS:
        raise LabError(f"Steps must be between 1 and {FINETUNE_MAX_STEPS}; {cfg.steps} is not.")
    if not 1 <= cfg.batch_size <= MAX_BATCH:
        raise LabError(f"The batch size must be between 1 and {MAX_BATCH}; {cfg.batch_size} is not.")
    if not 8 <= cfg.max_length <= 512:
        raise LabError(f"The maximum length must be between 8 and 512 tokens; {cfg.max_length} is not.")
    if cfg.eval_size < 0 or cfg.learning_rate < 0:
        raise LabError("The eval size and learning rate cannot be negative.")
    if not 0 <= cfg.lora_dropout < 1:
        raise LabError("LoRA dropout must be at least 0 and below 1.")
    return methods


def skeleton(base_path: str, num_labels: int):
    """The base's module structure without its weights (meta device): enough for every check."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    try:
        config = AutoConfig.from_pretrained(base_path, num_labels=num_labels)
    except (OSError, ValueError) as exc:
        raise LabError(f"The base model at {base_path} could not be read ({type(exc).__name__}); "
                       "pick another.") from None
    try:
        with torch.device("meta"):
            return AutoModelForSequenceClassification.from_config(config)
    except ValueError:
        raise LabError(f"A {config.model_type} model cannot classify text; pick an encoder such as MiniLM.") from None


def make_plan(cfg: FinetuneConfig) -> Plan:
    from lab.methods import check

    methods = check_settings(cfg)
    base_path = resources.resolve_model(cfg.base)
    train, evaluation, labels = load_rows(cfg.dataset)
    if cfg.eval_size:
        evaluation = evaluation[: cfg.eval_size]
    model = skeleton(base_path, len(labels))
    for name in methods:
        check(name, model, cfg)
    return Plan(base_path, train, evaluation, labels, methods)
