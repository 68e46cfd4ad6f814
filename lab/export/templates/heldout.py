"""Held-out answers and how they are judged, as the lab answers and judges them (lab/kinds/causal/common.py:
generate_answers, is_right): included into every causal template where it says `# EXPORT:INCLUDE heldout.py`.

Everything above EXPORT:BODY is here only so that this file reads (and lints) on its own.
"""
from __future__ import annotations

import string

import torch


def precision() -> str:  # the template includes precision.py's
    return "fp32"


# EXPORT:BODY
def normalise(answer: str) -> str:
    """The label in an answer: first line, lower case, without surrounding spaces and punctuation."""
    return answer.strip().split("\n")[0].strip().strip(string.punctuation + " ").lower()


@torch.no_grad()
def answers(model, tokenizer, heldout: list[dict], max_new_tokens: int) -> list[str]:
    """Greedy answers, 16 prompts at a time, left-padded so new tokens follow each prompt directly, in the
    precision the run trains in (as the lab answers)."""
    texts = [tokenizer.apply_chat_template(h["prompt"], tokenize=False, add_generation_prompt=True)
             if isinstance(h["prompt"], list) else h["prompt"] for h in heldout]
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    was_training = model.training
    model.eval()
    out = []
    bf16 = torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=precision() == "bf16")  # as it trains
    for start in range(0, len(texts), 16):
        batch = tokenizer(texts[start:start + 16], return_tensors="pt", padding=True,
                          add_special_tokens=False).to(model.device)
        with bf16:
            new = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)[:, batch["input_ids"].shape[1]:]  # (B, new)
        out += [a.strip() for a in tokenizer.batch_decode(new, skip_special_tokens=True)]
    tokenizer.padding_side = side
    model.train(was_training)
    return out


def is_right(answer: str, expected: str, labels: set[str]) -> bool:
    """Right when the first line is the expected answer, or names the expected label (one word of the task's
    labels) and no other: "The sentiment of this tweet is negative." is right; "positive or negative" is not."""
    want = normalise(expected)
    named = {w.strip(string.punctuation) for w in answer.strip().split("\n")[0].lower().split()} & labels
    return normalise(answer) == want or (want in labels and named == {want})


def accuracy(given: list[str], heldout: list[dict]) -> float:
    labels = {e for e in (normalise(h["expected"]) for h in heldout) if e and len(e.split()) == 1}
    return sum(is_right(a, h["expected"], labels) for a, h in zip(given, heldout)) / max(len(heldout), 1)
