"""Classifier-only: every pretrained weight frozen, only the classification head trains.

The head is the one `from_pretrained` gave the model: where the base has none it is new, initialised by
the model's own `_init_weights` under the job's seed (the same start every method gets). Whatever its
name (`classifier`, `pre_classifier` + `classifier`, or `score` in decoder classifiers), it trains.
"""
from __future__ import annotations

from lab.errors import LabError
from lab.kinds.finetune.methods.common import freeze, is_head, unfreeze_head

NAME = "head"
LABEL = "Classifier only"
LEARNING_RATE = 3e-3  # only 770 weights move: they can take big steps
EXPORT = "plain"


def check(model, cfg) -> None:
    if not any(is_head(name) for name, _ in model.named_parameters()):
        raise LabError("This model has no classification head the lab can find; pick another method.")


def prepare(model, cfg):
    check(model, cfg)
    freeze(model)
    unfreeze_head(model)
    return model
