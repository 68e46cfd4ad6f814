"""What SFT and DPO share: loading a causal LM, trl settings for CPU, LoRA, held-out answers, saving
(the CPU speed measures they train with are in cpu_speed.py, which exported scripts include as it is).

Held-out answers are greedy and short (a label needs two or three tokens), generated in batches
with left padding, and scored by exact match after lower-casing and trimming punctuation.

    python -c "from lab.kinds.causal.common import load_causal_lm; m, t, p = load_causal_lm('smollm2'); print(p)"
"""
from __future__ import annotations

import string
from pathlib import Path

from lab import limits, sources
from lab.config import SFT_METHODS
from lab.errors import LabError

CAUSAL_SUFFIXES = ("ForCausalLM", "LMHeadModel")
GENERATE_BATCH = 16
# ChatML (SmolLM2's format) with {% generation %} around assistant turns, so trl can mask the rest.
# It renders exactly the text of SmolLM2's own template.
CHATML_TRAINING_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}{% generation %}"
    "{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def load_causal_lm(name: str):
    """(model, tokenizer, path) in fp32, or a LabError when the choice is not a causal language model."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    path = sources.hub_folder(sources.resolve_model(name, allow_local=True))  # checked at submit
    try:
        config = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise LabError(f"'{name}' is not a model folder transformers can read ({type(exc).__name__}); pick smollm2.") from None
    arches = list(getattr(config, "architectures", None) or [])
    causal = (any(a.endswith(CAUSAL_SUFFIXES) for a in arches) if arches
              else config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES and not config.is_encoder_decoder)
    if not causal:
        kind = arches[0] if arches else config.model_type
        raise LabError(f"'{name}' is {kind}, not a causal language model; pick smollm2 or a run saved by this tab.")
    import torch

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, path


def learning_rate(cfg, defaults: dict) -> float:
    return cfg.learning_rate if cfg.learning_rate > 0 else defaults[cfg.method]


def validate(cfg, max_steps: int) -> None:
    if cfg.method not in SFT_METHODS:
        raise LabError(f"Unknown method '{cfg.method}'; pick one of: {', '.join(SFT_METHODS)}.")
    if not 1 <= cfg.steps <= max_steps:
        raise LabError(f"Steps must be between 1 and {max_steps}; you asked for {cfg.steps}.")
    if not 1 <= cfg.batch_size <= limits.SFT_MAX_BATCH:
        raise LabError(f"Batch size must be between 1 and {limits.SFT_MAX_BATCH}; you asked for {cfg.batch_size}.")
    if not 0 <= cfg.learning_rate <= 0.1:  # written so that NaN fails too
        raise LabError("The learning rate must be between 0 (the method's default) and 0.1.")
    if not 8 <= cfg.max_length <= limits.SFT_MAX_LENGTH:
        raise LabError(f"Max length must be between 8 and {limits.SFT_MAX_LENGTH} tokens; you asked for {cfg.max_length}.")
    if not 1 <= cfg.train_size <= limits.SFT_MAX_TRAIN_ROWS:
        raise LabError(f"Training examples must be between 1 and {limits.SFT_MAX_TRAIN_ROWS:,}; you asked for {cfg.train_size}.")
    if not 1 <= cfg.eval_size <= 200:
        raise LabError(f"Held-out prompts must be between 1 and 200; you asked for {cfg.eval_size}.")
    if not 1 <= cfg.max_new_tokens <= 64:
        raise LabError("New tokens per answer must be between 1 and 64.")
    if cfg.method == "lora" and (cfg.lora_r < 1 or not lora_targets(cfg)):
        raise LabError("LoRA needs a rank of at least 1 and at least one target module name.")


def lora_targets(cfg) -> list[str]:
    return [t.strip() for t in cfg.lora_targets.split(",") if t.strip()]


def lora_config(cfg, model):
    """A peft LoraConfig for the chosen modules, or a LabError naming the modules that do exist."""
    from peft import LoraConfig

    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in lora_targets(cfg) if t not in names]
    if missing:
        linear = sorted(n for n in names if n.endswith("_proj"))
        raise LabError(f"This model has no module named {', '.join(missing)}; LoRA can target: {', '.join(linear)}.")
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.0, bias="none",
                      target_modules=lora_targets(cfg), task_type="CAUSAL_LM")


def trl_settings(cfg, output_dir: str, lr: float) -> dict:
    """The lab's Trainer defaults (see training.training_args) for a trl config: the lab's precision (bf16
    autocast where the machine has it), no activation checkpointing (trl's configs turn it on; on a CPU it
    only costs time; set under the name transformers 5 reads, as `gradient_checkpointing` draws a
    deprecation warning), and the LM head scored only where a label is and its gradient accumulated in
    blocks (both in cpu_speed.py)."""
    from lab.kinds.causal.cpu_speed import accumulate_lm_head_in_blocks, score_loss_tokens_only
    from lab.training import device, precision

    score_loss_tokens_only()
    accumulate_lm_head_in_blocks()

    on_cpu = device() == "cpu"
    return dict(output_dir=output_dir, max_steps=cfg.steps, per_device_train_batch_size=cfg.batch_size,
                learning_rate=lr, seed=cfg.seed, data_seed=cfg.seed, logging_steps=1, save_strategy="no",
                report_to="none", disable_tqdm=True, dataloader_num_workers=0, use_cpu=on_cpu,
                bf16=precision() == "bf16", fp16=False, activation_checkpointing=False, lr_scheduler_type="linear",
                warmup_steps=0, weight_decay=0.0, max_length=cfg.max_length)


def clamp_length(cfg, model) -> list[str]:
    """Keep max_length within the model's positions; a notice says so."""
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and cfg.max_length > limit:
        cfg.max_length = limit
        return [f"The model reads at most {limit} tokens, so max length was lowered to {limit}."]
    return []


def length_notice(lengths: list[int], max_length: int) -> list[str]:
    over = sum(n > max_length for n in lengths)
    if not over:
        return []
    return [f"{over} of {len(lengths)} training examples are longer than {max_length} tokens and were cut to "
            f"{max_length}; raise max length to keep them whole."]


def normalise(answer: str) -> str:
    """The label in an answer: first line, lower case, without surrounding spaces and punctuation."""
    line = answer.strip().split("\n")[0]
    return line.strip().strip(string.punctuation + " ").lower()


def generate_answers(model, tokenizer, heldout: list[dict], max_new_tokens: int, ctx=None) -> list[str]:
    """Greedy answers to the held-out prompts (plain strings, or message lists rendered with the chat template),
    generated in the lab's precision (bf16 autocast where the machine has it)."""
    import torch

    from lab.training import autocast

    texts = [tokenizer.apply_chat_template(h["prompt"], tokenize=False, add_generation_prompt=True)
             if isinstance(h["prompt"], list) else h["prompt"] for h in heldout]
    side, tokenizer.padding_side = tokenizer.padding_side, "left"  # new tokens must follow each prompt directly
    was_training = model.training
    model.eval()
    answers = []
    try:
        for start in range(0, len(texts), GENERATE_BATCH):
            if ctx is not None:
                ctx.check_cancel()
            batch = tokenizer(texts[start:start + GENERATE_BATCH], return_tensors="pt", padding=True,
                              add_special_tokens=False).to(model.device)
            with torch.no_grad(), autocast():
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id)  # (B, T + new)
            new = out[:, batch["input_ids"].shape[1]:]
            answers += [a.strip() for a in tokenizer.batch_decode(new, skip_special_tokens=True)]
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers


def task_labels(heldout: list[dict]) -> set[str]:
    """The labels of a classification task: the expected answers that are one word (positive, negative)."""
    return {e for e in (normalise(h["expected"]) for h in heldout) if e and len(e.split()) == 1}


def named_labels(answer: str, labels: set[str]) -> set[str]:
    """The labels an answer's first line names as words: "The sentiment of this tweet is negative." names
    {"negative"}; "positive or negative" names both."""
    line = answer.strip().split("\n")[0].lower()
    return {w.strip(string.punctuation) for w in line.split()} & labels


def is_right(answer: str, expected: str, labels: set[str]) -> bool:
    """Right when the first line is the expected answer, or names the expected label and no other label."""
    want = normalise(expected)
    return normalise(answer) == want or (want in labels and named_labels(answer, labels) == {want})


def accuracy(answers: list[str], heldout: list[dict]) -> float:
    labels = task_labels(heldout)
    hits = sum(is_right(a, h["expected"], labels) for a, h in zip(answers, heldout))
    return hits / max(len(heldout), 1)


def answer_rows(heldout: list[dict], before: list[str], after: list[str]) -> list[dict]:
    labels = task_labels(heldout)
    return [{"prompt": h["shown"] if isinstance(h["shown"], str) else str(h["shown"]), "expected": h["expected"],
             "before": b, "after": a, "before_ok": is_right(b, h["expected"], labels),
             "after_ok": is_right(a, h["expected"], labels)}
            for h, b, a in zip(heldout, before, after)]


def save_model(model, tokenizer, run_dir: Path, chat_template=None) -> dict:
    """Adapter (LoRA) and a merged, loadable folder at run_dir/model. Returns their paths."""
    paths = {}
    if hasattr(model, "merge_and_unload"):  # a peft model: keep the small adapter too
        model.save_pretrained(str(run_dir / "adapter"))
        paths["adapter"] = str(run_dir / "adapter")
        model = model.merge_and_unload()
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    model.save_pretrained(str(run_dir / "model"))
    tokenizer.save_pretrained(str(run_dir / "model"))
    paths["model"] = str(run_dir / "model")
    return paths


def train_between_answers(trainer, tokenizer, heldout: list[dict], max_new_tokens: int, memory, ctx) -> dict:
    """Answer the held-out prompts, train, answer them again: the before/after the page shows.

    Emits an "answers" event for each phase. A job stopped during training skips the "after" answers
    (a stop should end the job at once, and past its time budget it has no time left for them): its
    answers event has phase "stopped", accuracy_after is None and "stopped" is True.
    """
    from lab.kinds.causal.cpu_speed import frozen_weights_in_bf16

    # the frozen weights' bf16 copies serve the answers too: generation in autocast would cast them again
    # at every new token (about 0.45 of 2.1 s for SFT's 32 answers with LoRA)
    with frozen_weights_in_bf16(trainer.model, getattr(trainer, "ref_model", None)):
        ctx.log(f"Answering {len(heldout)} held-out prompts before training…")
        with memory.aside("trainer set-up"):  # generation frees all it makes, and the peak comes in training
            before = generate_answers(trainer.model, tokenizer, heldout, max_new_tokens, ctx)
        accuracy_before = accuracy(before, heldout)
        ctx.emit("answers", phase="before", accuracy=accuracy_before,
                 rows=answer_rows(heldout, before, [""] * len(before)))
        try:
            trainer.train()
        finally:
            memory.stop()  # a TensorMemory started before the model loaded; MemoryCallback stops it sooner
        if ctx.cancelled:
            rows = answer_rows(heldout, before, [""] * len(before))
            ctx.emit("answers", phase="stopped", accuracy=accuracy_before, rows=rows)
            return {"accuracy_before": accuracy_before, "accuracy_after": None, "answers": rows, "stopped": True}
        ctx.log("Answering the same held-out prompts after training…")
        after = generate_answers(trainer.model, tokenizer, heldout, max_new_tokens, ctx)
    accuracy_after = accuracy(after, heldout)
    rows = answer_rows(heldout, before, after)
    ctx.emit("answers", phase="after", accuracy=accuracy_after, accuracy_before=accuracy_before, rows=rows)
    return {"accuracy_before": accuracy_before, "accuracy_after": accuracy_after, "answers": rows, "stopped": False}
