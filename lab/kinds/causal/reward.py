"""Stage 1 of RLHF as a job: a reward model learnt from preference pairs (the lesson is rlhf.train_reward_model).

The pairs are DPO's (the built-in tweets: the right label chosen, the wrong one rejected; or an upload or
Hub set with prompt/chosen/rejected). The model is a sequence classifier with one output: MiniLM by
default, or SmolLM2 with a new score head. Step events carry the loss, the batch's pairwise accuracy and
reward margin; eval events the same on held-out pairs. The model is saved as a run (`run:<id>`) that
stage 2 and the scoring box use.

    python -m lab reward --steps 120 --json rm.json
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from lab import sources
from lab.config import MAX_SFT_STEPS, REWARD_DEFAULT_LR, RewardRunConfig
from lab.errors import LabError
from lab.kinds.causal import common as causal_lm
from lab.kinds.causal.data import dpo_data
from lab.metrics import TensorMemory, count_parameters
from lab.store import run_folder
from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, quiet

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

REWARD_FIELDS = {"accuracy": "accuracy", "margin": "margin"}  # trl's log keys -> our step events'
EVAL_EVERY = 20


class RewardEventCallback(EventCallback):
    """EventCallback whose step events also carry the batch's pairwise accuracy and margin."""

    def __init__(self, ctx, **extra):
        super().__init__(ctx, **extra)
        self.base_extra = dict(extra)

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "eval_loss" in logs and self.evals and self.evals[-1]["step"] == state.global_step:
            return control  # the lesson's closing evaluate() at a step the schedule just evaluated
        self.extra = {**self.base_extra, **{name: round(float(logs[key]), 5)
                                            for name, key in REWARD_FIELDS.items() if key in logs and "loss" in logs}}
        return super().on_log(args, state, control, logs=logs, **kwargs)


def load_reward_model(name: str, seed: int = 0):
    """(model, tokenizer, path): a sequence classifier with one output, its score head new (drawn from `seed`,
    so a run and its exported script start from the same head)."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, set_seed

    path = sources.hub_folder(sources.resolve_model(name, allow_local=True))  # checked at submit
    try:
        AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise LabError(f"'{name}' is not a model folder transformers can read ({type(exc).__name__}); pick minilm.") from None
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token is None:  # BERT has none: trl ends each answer with one, and [SEP] ends a BERT text
        tokenizer.eos_token = tokenizer.sep_token
    set_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=torch.float32)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer, path


def is_reward_model(folder: str | Path) -> bool:
    """Whether a saved model folder is a reward model: a sequence classifier with one output."""
    import json

    config = Path(folder) / "config.json"
    if not config.exists():
        return False
    data = json.loads(config.read_text())
    arches = data.get("architectures") or []
    labels = data.get("num_labels", len(data.get("id2label") or {}) or 2)
    return any(a.endswith("ForSequenceClassification") for a in arches) and labels == 1


def validate(cfg: RewardRunConfig) -> None:
    causal_lm.validate(cfg, MAX_SFT_STEPS)
    if cfg.method != "full":
        raise LabError("A reward model trains fully (every weight and its new score head); pick full.")


def reward_settings(cfg: RewardRunConfig, output_dir: str) -> dict:
    lr = cfg.learning_rate or REWARD_DEFAULT_LR
    settings = causal_lm.trl_settings(cfg, output_dir, lr)
    return {**settings, "eval_strategy": "steps", "eval_steps": min(EVAL_EVERY, cfg.steps),
            "per_device_eval_batch_size": 32, "disable_dropout": True}


def reward_job(cfg: RewardRunConfig, ctx: JobContext) -> dict:
    with TensorMemory(device(), steps=MEMORY_STEPS) as memory:
        return _reward_job(cfg, ctx, memory)


def _reward_job(cfg: RewardRunConfig, ctx: JobContext, memory) -> dict:
    from datasets import Dataset
    from trl import RewardConfig

    from lab.kinds.causal.rlhf import train_reward_model

    validate(cfg)
    started = time.perf_counter()
    ctx.log(f"Loading {cfg.model} with a one-output score head…")
    model, tokenizer, path = load_reward_model(cfg.model, cfg.seed)
    rows = dpo_data(cfg)
    for notice in rows["notices"]:
        ctx.emit("notice", message=notice)
    ctx.check_cancel()
    run_dir = run_folder(ctx.job_id, create=True)
    callback = RewardEventCallback(ctx, method=cfg.method)
    args = RewardConfig(**reward_settings(cfg, str(run_dir / "trainer")))
    params = count_parameters(model)
    ctx.emit("preview", examples=len(rows["train"]), parameters=params, example=rows["train"][0])
    ctx.log(f"Learning to score the chosen answer above the rejected one ({len(rows['train'])} pairs)…")
    try:
        trainer, scores = train_reward_model(model, tokenizer, Dataset.from_list(rows["train"]),
                                             Dataset.from_list(rows["heldout_pairs"]), args,
                                             callbacks=[callback, MemoryCallback(memory)])
    finally:
        memory.stop()
    if ctx.cancelled and not callback.last_step:
        return {}
    quiet(trainer)
    heldout = {"accuracy": round(float(scores.get("eval_accuracy", 0.0)), 4),
               "margin": round(float(scores.get("eval_margin", 0.0)), 4), "step": callback.last_step}
    ctx.emit("heldout", **heldout)
    ctx.log("Saving the reward model…")
    trainer.model.save_pretrained(str(run_dir / "model"))
    tokenizer.save_pretrained(str(run_dir / "model"))
    stopped = " (stopped)" if ctx.cancelled else ""
    return {
        "method": cfg.method, "steps": callback.last_step, "seconds": round(time.perf_counter() - started, 2),
        "train_seconds": round((callback.seconds_per_step or 0) * callback.last_step, 2),
        "seconds_per_step": round(callback.seconds_per_step or 0, 3), "loss": callback.losses,
        "evals": callback.evals, "heldout_accuracy": heldout["accuracy"], "heldout_margin": heldout["margin"],
        "precision": callback.precision, "parameters": params, "peak_memory_bytes": memory.peak_bytes,
        "stopped": bool(ctx.cancelled), "base_model": path, "model": str(run_dir / "model"),
        "reward_model": {"ref": f"run:{ctx.job_id}",
                         "label": f"reward model {cfg.model}, {callback.last_step} steps{stopped} ({ctx.job_id[:6]})"},
    }


def score(reward_ref: str, prompt: str, answer: str, viewer: str | None = None, allow_local: bool = False) -> float:
    """The reward model's score of one prompt and answer (the page's scoring box; the CLI may name a folder)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = sources.resolve_model(reward_ref, viewer, allow_local)
    if not is_reward_model(folder):
        raise LabError(f"{reward_ref} is not a reward model; pick a run of the reward-model stage.")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    batch = tokenizer(prompt + answer, return_tensors="pt", truncation=True, max_length=512)
    with torch.no_grad():
        return float(model(**batch).logits[0, 0])


def reward_runs(viewer: str | None = None, own: bool = False) -> list[tuple[str, str]]:
    """(label, "run:<id>") of the reward models the viewer may use (theirs and shared; `own`: theirs only; the
    CLI's None: every one), newest first."""
    from lab.store import get_store

    runs = get_store().list_runs(kind="reward", status=("done", "cancelled"), viewer=viewer)
    return [((r["result"] or {}).get("reward_model", {}).get("label") or r["id"][:8], f"run:{r['id']}") for r in runs
            if (run_folder(r["id"]) / "model" / "config.json").exists() and (not own or viewer is None or r["owner"] == viewer)]
