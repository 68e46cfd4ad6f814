"""Full fine-tuning: every weight of the encoder and the new head trains."""
from __future__ import annotations

NAME = "full"
LABEL = "Full fine-tuning"
LEARNING_RATE = 2e-4
EXPORT = "plain"  # the trained model is an ordinary classifier folder


def prepare(model, cfg):
    for param in model.parameters():
        param.requires_grad = True
    return model
