"""Stage 2 of RLHF as a job: SmolLM2 tuned against rewards (the lesson is rlhf.optimise_policy).

The rewards are a reward-model run (RLHF), the verifiable label rule, a format rule and a rule the policy
can game (length), summed with the run's weights. The policy starts from the packaged model by default,
or from an SFT run (the full recipe: SFT, a reward model, then RL). The lab's instruments attach around
the lesson: step events with the reward, its spread, each reward's mean, KL, completion length and the
clipped ratio; the seconds of generation and scoring per step; a panel of sampled completions with their
rewards; the same held-out prompts as SFT and DPO answered before and after.

    python -m lab rl --reward-model run:<id> --steps 30 --json rl.json
"""
from __future__ import annotations

import functools
import math
import time
from typing import TYPE_CHECKING

from transformers import TrainerCallback, set_seed

from lab import limits, sources
from lab.config import MAX_SFT_STEPS, RL_ALGORITHMS, RL_DEFAULT_LR, RLRunConfig
from lab.errors import LabError
from lab.kinds.causal import common as causal_lm
from lab.kinds.causal.cpu_speed import choose_attention, frozen_weights_in_bf16, generate_in_bf16
from lab.kinds.causal.data import rl_data
from lab.metrics import TensorMemory, count_parameters
from lab.store import run_folder
from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, quiet

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

# trl's log keys -> the names on our step events
RL_FIELDS = {"reward": "reward", "reward_std": "reward_std", "kl": "kl", "completion_length": "completions/mean_length",
             "clip_ratio": "clip_ratio/region_mean"}
REWARDS = ("reward_model", "label", "format", "length")  # each one's weight is the config's <name>_weight
SAMPLE_EVERY = 5   # steps between panels of sampled completions
SAMPLE_ROWS = 8


def weights(cfg: RLRunConfig) -> dict[str, float]:
    return {name: float(getattr(cfg, f"{name}_weight")) for name in REWARDS}


def answer_tokens(cfg: RLRunConfig) -> int:
    """Tokens of a held-out answer: as many as a sampled completion may have, so the policy can say what it learnt."""
    return max(cfg.max_new_tokens, cfg.max_completion_length)


def validate(cfg: RLRunConfig) -> None:
    """Every setting the page can send, each refused with a sentence."""
    causal_lm.validate(cfg, MAX_SFT_STEPS)
    if cfg.algorithm not in RL_ALGORITHMS:
        raise LabError(f"Unknown algorithm '{cfg.algorithm}'; pick one of: {', '.join(RL_ALGORITHMS)}.")
    if not 2 <= cfg.generations <= limits.RL_MAX_GENERATIONS:
        raise LabError(f"Generations per prompt must be between 2 and {limits.RL_MAX_GENERATIONS}: GRPO compares the "
                       f"completions of one prompt with each other; you asked for {cfg.generations}.")
    if not 1 <= cfg.prompts_per_step <= limits.RL_MAX_PROMPTS:
        raise LabError(f"Prompts per step must be between 1 and {limits.RL_MAX_PROMPTS}; you asked for {cfg.prompts_per_step}.")
    if not 1 <= cfg.max_completion_length <= limits.RL_MAX_COMPLETION:
        raise LabError(f"Completion length must be between 1 and {limits.RL_MAX_COMPLETION} tokens; you asked for "
                       f"{cfg.max_completion_length}.")
    if not 0 < cfg.temperature <= 2:
        raise LabError("The temperature must be above 0 and at most 2; 1.0 samples as the model predicts.")
    if not 0 <= cfg.beta <= 10:
        raise LabError("Beta must be between 0 (no reference model, no KL) and 10.")
    chosen = weights(cfg)
    if not all(math.isfinite(w) and 0 <= w <= 10 for w in chosen.values()):
        raise LabError("Each reward's weight must be between 0 and 10.")
    if not any(chosen.values()):
        raise LabError("Give at least one reward a weight above 0: the policy needs something to optimise.")
    if chosen["reward_model"] and cfg.reward_model.strip() in ("", "none"):
        raise LabError("The reward model has a weight but none is chosen; train one in stage 1 or set its weight to 0.")


def load_reward_function(ref: str):
    """The reward-model run as a reward function (rlhf.reward_model_scores), or a LabError."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from lab.kinds.causal.reward import is_reward_model
    from lab.kinds.causal.rlhf import reward_model_scores

    folder = sources.resolve_model(ref, allow_local=True)  # checked at submit
    if not is_reward_model(folder):
        raise LabError(f"{ref} is not a reward model (a classifier with one output); pick a run of stage 1.")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32).eval()
    return reward_model_scores(model, tokenizer)


class Recorder:
    """Wraps each reward function (an instrument, outside the lesson): the last batch's completions and each
    reward's values for the samples panel, and the seconds spent scoring."""

    def __init__(self):
        self.last: dict = {}
        self.seconds = 0.0

    def wrap(self, name: str, fn):
        @functools.wraps(fn)
        def recorded(prompts, completions, **kwargs):
            started = time.perf_counter()
            values = fn(prompts=prompts, completions=completions, **kwargs)
            self.seconds += time.perf_counter() - started
            if name == next(iter(self.names)):
                self.last = {"shown": kwargs.get("shown") or prompts, "completions": list(completions), "rewards": {}}
            self.last["rewards"][name] = [round(float(v), 4) for v in values]
            return values
        recorded.__name__ = name  # trl names each reward's mean after its function
        return recorded

    def functions(self, chosen: list[tuple[str, object]]) -> list:
        self.names = [name for name, _ in chosen]
        return [self.wrap(name, fn) for name, fn in chosen]


def timed_generation(model, clock: list[float]) -> None:
    """Count the seconds the policy spends generating (trl calls the model's own generate)."""
    generate = model.generate

    @functools.wraps(generate)
    def counted(*args, **kwargs):
        started = time.perf_counter()
        try:
            return generate(*args, **kwargs)
        finally:
            clock[0] += time.perf_counter() - started
    model.generate = counted


class RLEventCallback(EventCallback):
    """EventCallback whose step events also carry the rewards, KL, lengths and the step's phases; every
    SAMPLE_EVERY steps a samples event with the latest completions and their rewards."""

    def __init__(self, ctx, recorder: Recorder, generation: list[float], reward_weights: dict, **extra):
        super().__init__(ctx, **extra)
        self.base_extra, self.recorder, self.generation, self.weights = dict(extra), recorder, generation, reward_weights
        self.rewards: list[list[float]] = []
        self.seen = {"generate": 0.0, "score": 0.0}

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        fields = {name: round(float(logs[key]), 5) for name, key in RL_FIELDS.items() if key in logs}
        fields.update({f"reward_{name}": round(float(logs[f"rewards/{name}/mean"]), 5) for name in REWARDS
                       if f"rewards/{name}/mean" in logs})
        if "loss" in logs:
            generate, score = self.generation[0] - self.seen["generate"], self.recorder.seconds - self.seen["score"]
            self.seen = {"generate": self.generation[0], "score": self.recorder.seconds}
            fields.update(generate_seconds=round(generate, 3), score_seconds=round(score, 3))
            if "reward" in fields:
                self.rewards.append([state.global_step, fields["reward"]])
        self.extra = {**self.base_extra, **fields}
        control = super().on_log(args, state, control, logs=logs, **kwargs)
        if "loss" in logs and self.recorder.last and (state.global_step % SAMPLE_EVERY == 0
                                                      or state.global_step == state.max_steps or state.global_step == 1):
            self.ctx.emit("samples", step=state.global_step, rows=self.sample_rows())
        return control

    def sample_rows(self) -> list[dict]:
        last = self.recorder.last
        rows = []
        for i, completion in enumerate(last["completions"][:SAMPLE_ROWS]):
            values = {name: v[i] for name, v in last["rewards"].items()}
            rows.append({"prompt": str(last["shown"][i])[:160], "completion": completion, "rewards": values,
                         "total": round(sum(self.weights[n] * v for n, v in values.items()), 4)})
        return rows


class HeldoutAnswers(TrainerCallback):
    """At the start of training, the held-out prompts answered: the "before" of the page, in the lab's
    precision, as the completions are sampled (cpu_speed.generate_in_bf16)."""

    def __init__(self, ctx, tokenizer, heldout: list[dict], max_new_tokens: int, generation: list[float]):
        self.ctx, self.tokenizer, self.heldout, self.max_new_tokens = ctx, tokenizer, heldout, max_new_tokens
        self.generation = generation  # timed_generation's clock: these answers are not a step's sampling
        self.before = None

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.ctx.log(f"Answering {len(self.heldout)} held-out prompts before training…")
        clock = self.generation[0]
        with frozen_weights_in_bf16(model):
            self.before = causal_lm.generate_answers(model, self.tokenizer, self.heldout, self.max_new_tokens, self.ctx)
        self.generation[0] = clock
        self.ctx.emit("answers", phase="before", accuracy=causal_lm.accuracy(self.before, self.heldout),
                      rows=causal_lm.answer_rows(self.heldout, self.before, [""] * len(self.before)))


def rl_settings(cfg: RLRunConfig, output_dir: str) -> dict:
    lr = causal_lm.learning_rate(cfg, RL_DEFAULT_LR)
    settings = causal_lm.trl_settings(cfg, output_dir, lr)
    settings.pop("max_length")  # a prompt is kept whole; a completion is cut at max_completion_length
    chosen = {n: w for n, w in weights(cfg).items() if w}
    return {**settings, "per_device_train_batch_size": cfg.prompts_per_step * cfg.generations,
            "num_generations": cfg.generations, "max_completion_length": cfg.max_completion_length,
            "temperature": cfg.temperature, "beta": cfg.beta, "reward_weights": list(chosen.values())}


def rl_job(cfg: RLRunConfig, ctx: JobContext) -> dict:
    # measured from before the weights exist: the peak covers the policy, the reward model, the generations
    with TensorMemory(device(), steps=MEMORY_STEPS) as memory:
        return _rl_job(cfg, ctx, memory)


def _rl_job(cfg: RLRunConfig, ctx: JobContext, memory) -> dict:
    from datasets import Dataset
    from trl import GRPOConfig, RLOOConfig

    from lab.kinds.causal import rlhf

    validate(cfg)
    started = time.perf_counter()
    ctx.log(f"Loading the policy {cfg.model}…")
    policy, tokenizer, path = causal_lm.load_causal_lm(cfg.model)
    sequences = cfg.prompts_per_step * cfg.generations
    choose_attention(policy, sequences, cfg.max_length)
    rows = rl_data(cfg)
    for notice in rows["notices"]:
        ctx.emit("notice", message=notice)
    chosen = [(name, w) for name, w in weights(cfg).items() if w]
    functions = {"label": rlhf.label_reward, "format": rlhf.format_reward, "length": rlhf.length_reward}
    if cfg.reward_model_weight:
        ctx.log(f"Loading the reward model {cfg.reward_model}…")
        functions["reward_model"] = load_reward_function(cfg.reward_model)
    recorder, generation = Recorder(), [0.0]
    reward_funcs = recorder.functions([(name, functions[name]) for name, _ in chosen])
    generate_in_bf16(policy)  # trl samples outside autocast
    timed_generation(policy, generation)
    ctx.check_cancel()

    run_dir = run_folder(ctx.job_id, create=True)
    config_class = RLOOConfig if cfg.algorithm == "rloo" else GRPOConfig
    args = config_class(**rl_settings(cfg, str(run_dir / "trainer")))
    peft_config = causal_lm.lora_config(cfg, policy) if cfg.method == "lora" else None
    callback = RLEventCallback(ctx, recorder, generation, dict(chosen), method=cfg.method)
    answers = HeldoutAnswers(ctx, tokenizer, rows["heldout"], answer_tokens(cfg), generation)
    ctx.emit("preview", examples=len(rows["train"]), rewards=dict(chosen), algorithm=cfg.algorithm, beta=cfg.beta,
             example=rows["train"][0]["prompt"])
    ctx.log(f"Sampling {cfg.generations} completions for each of {cfg.prompts_per_step} prompts a step…")
    set_seed(cfg.seed)  # LoRA's new weights are drawn before trl seeds its Trainer: the same whatever ran before
    try:
        trainer = rlhf.optimise_policy(policy, tokenizer, Dataset.from_list(rows["train"]), reward_funcs, args,
                                       cfg.algorithm, peft_config, callbacks=[callback, MemoryCallback(memory), answers])
    finally:
        memory.stop()
    sampling = generation[0]  # the steps' own sampling; the held-out answers below are not counted
    quiet(trainer)
    if answers.before is None or (ctx.cancelled and not callback.last_step):
        return {}  # stopped before its first step: no training to keep
    heldout = rows["heldout"]
    accuracy_before = causal_lm.accuracy(answers.before, heldout)
    if ctx.cancelled:
        after, accuracy_after = [""] * len(heldout), None
        ctx.emit("answers", phase="stopped", accuracy=accuracy_before, rows=causal_lm.answer_rows(heldout, answers.before, after))
    else:
        ctx.log("Answering the same held-out prompts after training…")
        with frozen_weights_in_bf16(trainer.model):
            after = causal_lm.generate_answers(trainer.model, tokenizer, heldout, answer_tokens(cfg), ctx)
        accuracy_after = causal_lm.accuracy(after, heldout)
        ctx.emit("answers", phase="after", accuracy=accuracy_after, accuracy_before=accuracy_before,
                 rows=causal_lm.answer_rows(heldout, answers.before, after))
    ctx.log("Saving the tuned policy…")
    params = count_parameters(trainer.model)
    paths = causal_lm.save_model(trainer.model, tokenizer, run_dir)
    steps = max(callback.last_step, 1)
    stopped = " (stopped)" if ctx.cancelled else ""
    return {
        "method": cfg.method, "algorithm": cfg.algorithm, "steps": callback.last_step,
        "seconds": round(time.perf_counter() - started, 2),
        "train_seconds": round((callback.seconds_per_step or 0) * callback.last_step, 2),
        "seconds_per_step": round(callback.seconds_per_step or 0, 3),
        "generate_seconds_per_step": round(sampling / steps, 3),
        "score_seconds_per_step": round(recorder.seconds / steps, 3),
        "reward": callback.rewards, "loss": callback.losses, "rewards": dict(chosen), "precision": callback.precision,
        "accuracy_before": accuracy_before, "accuracy_after": accuracy_after, "stopped": bool(ctx.cancelled),
        "answers": causal_lm.answer_rows(heldout, answers.before, after), "parameters": params,
        "peak_memory_bytes": memory.peak_bytes, "base_model": path, **paths,
        "models": [{"ref": f"run:{ctx.job_id}", "task": "text-generation",
                    "label": f"{cfg.model} {cfg.algorithm.upper()} {cfg.method}, {callback.last_step} steps{stopped} "
                             f"({ctx.job_id[:6]})"}],
    }
