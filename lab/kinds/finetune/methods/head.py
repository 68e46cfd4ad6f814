"""Classifier-only: every pretrained weight frozen, one new linear layer reads the model's sentence vector.

The lesson stays: nothing pretrained moves, only a new head learns. What it reads is the base's own
sentence representation (`features`), not whatever a classifier class happens to put under it:

- "mean": the mean of the last layer's token vectors, padding left out. sentence-transformers models
  such as the packaged all-MiniLM-L6-v2 were trained to produce exactly this (their
  1_Pooling/config.json says so), and it is the only meaningful vector of a base whose checkpoint has
  no pooler: a lab pre-training run saves a BertForMaskedLM, for which from_pretrained would put a
  randomly initialised tanh layer (BERT's pooler) between the encoder and the head, frozen.
- "cls": the [CLS] token's last hidden vector, for a sentence-transformers model pooled that way.
- "pooler": BERT's pooler over [CLS], where the checkpoint has trained pooler weights and no
  sentence-transformers config says otherwise (BERT pre-trained with next-sentence prediction).
- "model": models without a pooler (DistilBERT, RoBERTa, decoder classifiers with a `score`) keep the
  path of their own classification head, which reads a token vector directly.

"mean" and "cls" put the encoder, the model's dropout and its new `classifier` in `SentenceClassifier`
(same parameter names as the plain model); a plain classifier folder cannot hold a pooling other than
BERT's pooler, so those heads are saved as their weights only and rebuilt on the base to be used.
Measured (bench/head_features.py, MiniLM, default settings, 400 held-out rows): tweets 0.595 on the pooler,
0.805 on the mean; BBC News topics (5 classes) 0.540 and 0.930.

The head is the one `from_pretrained` gave the model: where the base has none it is new, initialised by
the model's own `_init_weights` under the job's seed (the same start every method gets). Whatever its
name (`classifier`, `pre_classifier` + `classifier`, or `score` in decoder classifiers), it trains.
"""
from __future__ import annotations

import json

import torch
from torch import nn

from lab.errors import LabError
from lab.kinds.finetune.methods.common import freeze, is_head, unfreeze_head

NAME = "head"
LABEL = "Classifier only"
LEARNING_RATE = 3e-3  # only 770 weights move: they can take big steps
EXPORT = "plain"
NO_EXPORT_REASON = ("reads the base's own sentence vector (the mean or [CLS] of its token vectors), which a plain "
                    "classifier folder cannot hold; saved as the head's weights only")


def _file(source: str, name: str) -> str | None:
    """A file of a model folder or Hub repo, or None where it has none."""
    from transformers.utils import cached_file

    if not source:
        return None
    try:
        return cached_file(source, name, _raise_exceptions_for_missing_entries=False,
                           _raise_exceptions_for_connection_errors=False)
    except (OSError, ValueError):
        return None


def has_pooler_weights(source: str) -> bool:
    """Whether the checkpoint holds a pooler (True where it cannot tell: the model's own path stays)."""
    index = _file(source, "model.safetensors.index.json")
    if index:
        with open(index) as handle:
            keys = json.load(handle)["weight_map"]
    else:
        single = _file(source, "model.safetensors")
        if not single:
            return True
        from safetensors import safe_open

        with safe_open(single, "pt") as handle:
            keys = list(handle.keys())
    return any(".pooler." in f".{key}" for key in keys)


def features(model) -> str:
    """Which vector the head reads: "mean", "cls", "pooler" or "model" (see the module's docstring)."""
    if getattr(model.base_model, "pooler", None) is None:
        return "model"
    source = getattr(model, "name_or_path", "") or ""
    pooling = _file(source, "1_Pooling/config.json")
    if pooling:
        with open(pooling) as handle:
            modes = json.load(handle)
        return "cls" if modes.get("pooling_mode_cls_token") and not modes.get("pooling_mode_mean_tokens") else "mean"
    return "pooler" if has_pooler_weights(source) else "mean"


def sentence_vector(hidden: torch.Tensor, attention_mask: torch.Tensor | None, kind: str) -> torch.Tensor:
    """(B, T, H) last hidden states -> (B, H): [CLS]'s vector, or the mean over the real tokens."""
    if kind == "cls":
        return hidden[:, 0]
    if attention_mask is None:
        return hidden.mean(1)
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1): 0 on padding
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class SentenceClassifier(nn.Module):
    """encoder -> sentence vector (mean or [CLS]) -> the model's dropout -> its linear `classifier`."""

    def __init__(self, model, kind: str):
        super().__init__()
        self.config = model.config
        self.kind = kind
        self.prefix = model.base_model_prefix  # "bert": parameter names stay those of the plain model
        setattr(self, self.prefix, model.base_model)
        self.dropout = getattr(model, "dropout", None) or nn.Identity()
        self.classifier = model.classifier

    @property
    def name_or_path(self) -> str:
        return self.config._name_or_path

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **kwargs):
        from transformers.modeling_outputs import SequenceClassifierOutput

        encoder = getattr(self, self.prefix)
        hidden = encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state  # (B, T, H)
        logits = self.classifier(self.dropout(sentence_vector(hidden, attention_mask, self.kind)))  # (B, labels)
        loss = None if labels is None else nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits)


def check(model, cfg) -> None:
    if not any(is_head(name) for name, _ in model.named_parameters()):
        raise LabError("This model has no classification head the lab can find; pick another method.")


def prepare(model, cfg):
    check(model, cfg)
    kind = features(model)
    freeze(model)
    unfreeze_head(model)
    if kind in ("mean", "cls") and isinstance(getattr(model, "classifier", None), nn.Linear):
        return SentenceClassifier(model, kind)  # BERT's pooler is not this base's sentence vector
    return model


def exportable(model) -> bool:
    return not isinstance(model, SentenceClassifier)
