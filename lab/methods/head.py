"""Classifier-only: every pretrained weight frozen, a new linear head trained on the pooled output."""
from __future__ import annotations

from torch import nn

from lab.methods.common import freeze

NAME = "head"
LABEL = "Classifier only"
LEARNING_RATE = 3e-3  # only 770 weights move: they can take big steps
EXPORT = "plain"


def prepare(model, cfg):
    freeze(model)
    old = model.classifier
    if isinstance(old, nn.Linear):  # BERT-style: swap in a fresh head, trainable by default
        model.classifier = nn.Linear(old.in_features, old.out_features)
    else:  # RoBERTa-style heads are small modules: unfreeze them as they are
        for param in old.parameters():
            param.requires_grad = True
    return model
