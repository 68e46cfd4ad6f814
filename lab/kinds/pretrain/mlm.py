"""The pieces of masked-language modelling that the pre-training tab shows: masking, the probe, the baseline.

- `MaskingCollator`: the 80/10/10 rule of DataCollatorForLanguageModeling for training blocks, and
  masks fixed once for evaluation blocks (so the eval curve moves only because the model does).
- `mask_preview`: one example, each token marked as [MASK], random, kept (chosen but unchanged) or plain.
- `fill_mask`: the top-k fillers of a sentence's [MASK] (the probe that is redrawn during training).
- `unigram_perplexity`: the level of a model that knows token frequencies and no context.
"""
from __future__ import annotations

import collections
import math

import torch
from transformers import DataCollatorForLanguageModeling

from lab.errors import LabError

MASK_WORD = "[MASK]"  # what users type in a probe, whatever the tokenizer's own mask token is


class MaskingCollator:
    """Random masks for training features; features that already carry `labels` are only stacked."""

    def __init__(self, tokenizer, mlm_probability: float, seed: int | None = None):
        self.random = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=mlm_probability,
                                                      seed=seed, return_tensors="pt")

    def __call__(self, features: list[dict]) -> dict:
        if "labels" in features[0]:
            return {k: torch.tensor([f[k] for f in features]) for k in ("input_ids", "labels")}
        return self.random([{"input_ids": f["input_ids"]} for f in features])


def fix_masks(tokenizer, blocks: list[list[int]], mlm_probability: float, seed: int) -> list[dict]:
    """Evaluation features with masks drawn once: {"input_ids", "labels"} per block."""
    collator = MaskingCollator(tokenizer, mlm_probability, seed=seed)
    batch = collator.random([{"input_ids": b} for b in blocks])
    return [{"input_ids": i.tolist(), "labels": l.tolist()} for i, l in zip(batch["input_ids"], batch["labels"])]


def mask_preview(tokenizer, text: str, mlm_probability: float = 0.15, seed: int = 0) -> list[dict]:
    """Each token of `text` as {"token", "kind", "shown"}: kind is mask, random, kept or plain."""
    if not (text or "").strip():
        raise LabError("Type a sentence to preview the masking.")
    if not 0.0 < mlm_probability < 1.0:
        raise LabError("The masking probability must be between 0 and 1, for example 0.15.")
    ids = tokenizer(text[:1000], add_special_tokens=False)["input_ids"]
    collator = MaskingCollator(tokenizer, mlm_probability, seed=seed)
    batch = collator.random([{"input_ids": ids}])
    masked, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    out = []
    for original, now, label in zip(ids, masked, labels):
        if label == -100:
            kind = "plain"
        elif now == tokenizer.mask_token_id:
            kind = "mask"
        elif now != original:
            kind = "random"
        else:
            kind = "kept"
        out.append({"token": _readable(tokenizer, original), "kind": kind, "shown": _readable(tokenizer, now)})
    return out


def _readable(tokenizer, token_id: int) -> str:
    """A token as a reader sees it: BPE's Ġ (a leading space) and byte escapes decoded."""
    token = tokenizer.convert_ids_to_tokens(int(token_id))
    return tokenizer.convert_tokens_to_string([token]).strip() or token


@torch.no_grad()
def fill_mask(model, tokenizer, sentence: str, top_k: int = 5) -> list[list]:
    """[[token, probability], ...] for the first [MASK] of `sentence`."""
    if MASK_WORD not in sentence and tokenizer.mask_token not in sentence:
        raise LabError(f"Put {MASK_WORD} in the probe sentence where the model should guess a word.")
    text = sentence.replace(MASK_WORD, tokenizer.mask_token)
    encoded = tokenizer(text, return_tensors="pt", truncation=True,
                        max_length=model.config.max_position_embeddings)
    position = (encoded["input_ids"][0] == tokenizer.mask_token_id).nonzero()
    if len(position) == 0:
        raise LabError(f"The probe lost its {MASK_WORD} (the sentence may be too long); shorten it.")
    was_training = model.training
    model.eval()
    encoded = {k: v.to(model.device) for k, v in encoded.items()}
    logits = model(**encoded).logits[0, int(position[0])]  # (V,)
    model.train(was_training)
    probs = logits.float().softmax(-1)
    top = probs.topk(top_k)
    return [[_readable(tokenizer, i), round(float(p), 4)] for p, i in zip(top.values, top.indices)]


def unigram_perplexity(train_blocks: list[list[int]], eval_features: list[dict], vocab_size: int,
                       special_ids: set[int]) -> float:
    """exp of the mean -log p(token) on the eval targets, p = train token frequencies (add-one)."""
    counts = collections.Counter(t for block in train_blocks for t in block if t not in special_ids)
    total = sum(counts.values()) + vocab_size
    nll, n = 0.0, 0
    for feature in eval_features:
        for label in feature["labels"]:
            if label != -100:
                nll -= math.log((counts.get(label, 0) + 1) / total)
                n += 1
    if n == 0:
        raise LabError("The held-out blocks have no masked token; raise the masking probability.")
    return math.exp(nll / n)
