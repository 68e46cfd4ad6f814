"""What the pages teach besides figures: the methods by family, the "predict first" questions, and
the textbook settings each training tab can switch to.

Plain data (no torch): the UI reads it at build time. Method labels here must equal each method's
LABEL in lab/methods (a test holds them together).
"""
from __future__ import annotations

# family -> [(method name, how people say it, what it trains)]
FAMILIES = {
    "full": [("full", "Full fine-tuning", "every weight")],
    "selective": [("head", "Classifier only", "only a new classification head"),
                  ("selective", "Head + top layers", "the top encoder layers and the head")],
    "additive": [("adapter", "Bottleneck adapter", "small bottleneck modules after each feed-forward"),
                 ("prompt", "Prompt tuning", "virtual-token vectors placed before the text")],
    "reparameterisation": [("lora", "LoRA (peft)", "low-rank B A beside the frozen query and value"),
                           ("lora_scratch", "LoRA (from scratch)", "the same B A, written in 44 lines of PyTorch"),
                           ("qlora", "QLoRA (4-bit NF4 + LoRA)", "LoRA on a base stored in 4 bits"),
                           ("dora", "DoRA (weight-decomposed LoRA)", "LoRA's direction plus each weight's length"),
                           ("adalora", "AdaLoRA (dynamic rank)", "LoRA whose rank moves to the layers that matter")],
}


def method_choices() -> list[tuple[str, str]]:
    """(readable name, method id) in family order: the fine-tuning tab's checkboxes."""
    return [(label, name) for members in FAMILIES.values() for name, label, _ in members]


# "predict first": per tab, the question, the answer choices, and which result answers it
PREDICT = {
    "tokenizer": ("Will the new tokenizer use fewer tokens per text than the old one?",
                  ["Fewer tokens", "About the same", "More tokens"]),
    "pretrain": ("Will the eval perplexity end below the unigram level (the dashed line)?", ["Below", "Above"]),
    "finetune": ("Which ticked method will be the most accurate?", None),  # None: the methods, by family
    "sft": ("Will held-out accuracy rise after SFT?", ["It will rise", "It will stay", "It will fall"]),
    "rl": ("Will held-out accuracy rise after RL, though no right answer is ever shown to the policy?",
           ["It will rise", "It will stay", "It will fall"]),
}

# textbook presets: the classic recipe's values for the lab's settings (the differences are tabled
# with their reasons in the concept panels)
TEXTBOOK = {
    # the learning rate stays per method: the classic 2e-5 suits full fine-tuning only
    "finetune": {"epochs": 3, "batch_size": 32, "max_length": 512, "lora_dropout": 0.1, "adapter_size": 64},
    "pretrain": {"hidden": 768, "layers": 12, "heads": 12, "intermediate": 3072, "max_positions": 512,
                 "block_size": 512, "dropout": 0.1, "learning_rate": 1e-4, "warmup_steps": 100, "batch_size": 32},
    "sft": {"learning_rate": 2e-4},
}


def outcome(tab: str, result: dict) -> str | None:
    """The answer the finished run gives to the tab's question (one of its choices, or a method id)."""
    if not result:
        return None
    if tab == "tokenizer":
        ratio = result["tokens_per_text_new"] / result["tokens_per_text_old"]
        return "Fewer tokens" if ratio < 0.97 else "More tokens" if ratio > 1.03 else "About the same"
    if tab == "pretrain":
        final = result.get("final_eval_perplexity")
        return None if final is None else "Below" if final < result["unigram_perplexity"] else "Above"
    if tab == "finetune":
        methods = result.get("methods") or {}
        scored = {name: r["accuracy"] for name, r in methods.items() if r.get("accuracy") is not None}
        return max(scored, key=scored.get) if scored else None
    if tab in ("sft", "rl"):
        before, after = result.get("accuracy_before"), result.get("accuracy_after")
        if before is None or after is None:  # stopped: no "after" to judge by
            return None
        return "It will rise" if after > before else "It will fall" if after < before else "It will stay"
    return None
