"""Tiny hermetic pieces for the SFT and DPO tests: a one-layer Llama with SmolLM2's tokenizer, uploads, a job context."""
from __future__ import annotations

import json
from pathlib import Path

from lab.serve.job import Job, JobContext

PROMPT = "### Human: What is the sentiment of this tweet? {}\n### Assistant:"
TWEETS = [("I love this airline, great crew", "positive"), ("worst flight ever, lost my bag", "negative"),
          ("thanks for the upgrade, so happy", "positive"), ("delayed again, terrible service", "negative"),
          ("what a lovely smooth landing", "positive"), ("rude staff and a dirty seat", "negative"),
          ("best trip of my life", "positive"), ("cancelled with no refund, awful", "negative")] * 3


def tiny_model(folder: Path) -> str:
    """A one-layer LlamaForCausalLM (hidden 16) saved with the SmolLM2 tokenizer; returns its folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from lab import resources

    if (folder / "config.json").exists():
        return str(folder)
    tokenizer = AutoTokenizer.from_pretrained(resources.smollm2_path())
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return str(folder)


def tiny_encoder(folder: Path) -> str:
    """A one-layer BERT (hidden 16) saved with MiniLM's tokenizer (a reward model's base); returns its folder."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from lab import resources

    if (folder / "config.json").exists():
        return str(folder)
    tokenizer = AutoTokenizer.from_pretrained(resources.minilm_path())
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=128)).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return str(folder)


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def sft_rows() -> list[dict]:
    return [{"prompt": PROMPT.format(t), "completion": label} for t, label in TWEETS]


def preference_rows() -> list[dict]:
    """A toy preference a one-layer reward model learns in a few steps whatever its seed: the polite answer is
    chosen, on 24 different prompts (the held-out ones are new to it)."""
    return [{"prompt": PROMPT.format(f"{t} ({i})"), "chosen": " thanks, gladly", "rejected": " no"}
            for i, (t, _) in enumerate(TWEETS)]


def dpo_rows() -> list[dict]:
    other = {"positive": "negative", "negative": "positive"}
    return [{"prompt": PROMPT.format(t), "chosen": label, "rejected": other[label]} for t, label in TWEETS]


def context(kind: str = "sft", job_id: str = "testjob") -> JobContext:
    return JobContext(Job(id=job_id, owner="test", kind=kind, config=None))
