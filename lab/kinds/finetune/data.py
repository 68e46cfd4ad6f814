"""The comparison's inputs, checked before anything trains: dataset rows, labels, base model, settings.

`make_plan(cfg)` returns everything the runner needs or raises one LabError sentence: a dataset with
one class, no label column, labels that are not categories, a rank out of range, target modules the
model lacks, QLoRA where bitsandbytes cannot run, an unknown method or base.
"""
from __future__ import annotations

from dataclasses import dataclass

from lab import data, limits, sources
from lab.config import FINETUNE_MAX_STEPS, FinetuneConfig
from lab.errors import LabError

MAX_BATCH = limits.FINETUNE_MAX_BATCH
MAX_TRAIN_ROWS = limits.FINETUNE_MAX_TRAIN_ROWS


@dataclass
class Plan:
    base_path: str
    train: list[dict]
    evaluation: list[dict]
    labels: list[str]
    methods: list[str]


def load_rows(dataset: str, viewer: str | None = None, allow_local: bool = True) -> tuple[list[dict], list[dict], list[str]]:
    """(train, eval, labels) for the built-in tweets, an uploaded file or a Hub dataset."""
    source = sources.resolve_data(dataset, viewer, allow_local)
    if source.kind == "builtin":
        train, evaluation = data.tweet_split()
    elif source.kind in ("upload", "local"):
        rows = data.read_upload(source.value, need_labels=True)
        train, evaluation = data.split_rows(rows)
    else:
        train, evaluation = data.split_rows(data.hub_rows(source.value, limit=MAX_TRAIN_ROWS))
    labels = data.check_labels(train + evaluation, source.label if source.kind != "builtin" else "The dataset")
    return train[:MAX_TRAIN_ROWS], evaluation, labels


def check_settings(cfg: FinetuneConfig) -> list[str]:
    from lab.kinds.finetune.methods import get

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
    if len(methods) > limits.FINETUNE_MAX_METHODS:
        raise LabError(f"Compare at most {limits.FINETUNE_MAX_METHODS} methods at once; untick some.")
    if not 8 <= cfg.max_length <= limits.FINETUNE_MAX_LENGTH:
        raise LabError(f"The maximum length must be between 8 and {limits.FINETUNE_MAX_LENGTH} tokens; "
                       f"{cfg.max_length} is not.")
    if not (cfg.eval_size >= 0 and 0 <= cfg.learning_rate <= 1):  # written so that NaN fails too
        raise LabError("The eval size cannot be negative and the learning rate must be between 0 and 1.")
    if not 0 <= cfg.lora_dropout < 1:
        raise LabError("LoRA dropout must be at least 0 and below 1.")
    return methods


def skeleton(base_path: str, num_labels: int):
    """The base's module structure without its weights (meta device): enough for every check."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    try:
        config = AutoConfig.from_pretrained(sources.hub_folder(base_path, config_only=True), num_labels=num_labels)
    except (OSError, ValueError) as exc:
        raise LabError(f"The base model at {base_path} could not be read ({type(exc).__name__}); "
                       "pick another.") from None
    try:
        with torch.device("meta"):
            return AutoModelForSequenceClassification.from_config(config)
    except ValueError:
        raise LabError(f"A {config.model_type} model cannot classify text; pick an encoder such as MiniLM.") from None


def make_plan(cfg: FinetuneConfig, viewer: str | None = None, allow_local: bool = True) -> Plan:
    """The plan, or a LabError. The submit check calls it with the owner (`viewer`) and the page's rules;
    the job calls it again with the defaults, on a config that check has already passed."""
    from lab.kinds.finetune.methods import check

    methods = check_settings(cfg)
    base_path = sources.resolve_model(cfg.base, viewer=viewer, allow_local=allow_local)
    train, evaluation, labels = load_rows(cfg.dataset, viewer, allow_local)
    if cfg.eval_size:
        evaluation = evaluation[: cfg.eval_size]
    model = skeleton(base_path, len(labels))
    for name in methods:
        check(name, model, cfg)
    return Plan(base_path, train, evaluation, labels, methods)
