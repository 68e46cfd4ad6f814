"""Every limit the lab enforces, as named constants: the server's checks and the pages' slider maxima
read the same numbers, so a page never offers what the server refuses.

Two budgets come from the environment, since they depend on the machine:
- LAB_MEMORY_BUDGET: bytes one job may be predicted to need (a suffix k/m/g is allowed; default a
  third of the machine's RAM, so the page process, the worker and the OS keep the rest).
- LAB_JOB_SECONDS: seconds one job may be estimated to take, and may run before it stops itself
  (default 600).

    python -m lab.limits     # prints the table of limits with their values
"""
from __future__ import annotations

import os

from lab.errors import LabError


def _bytes_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    scale = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(raw[-1], 1)
    try:
        value = int(float(raw.rstrip("kmg")) * scale)
    except ValueError:
        raise LabError(f"{name}={raw} is not a size; write bytes or a number with k, m or g, such as 4g.") from None
    if value <= 0:
        raise LabError(f"{name} must be above 0.")
    return value


def _seconds_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise LabError(f"{name}={raw} is not a number of seconds, such as 600.") from None
    if not value > 0:
        raise LabError(f"{name} must be above 0.")
    return value


def _machine_ram() -> int:
    import psutil
    return int(psutil.virtual_memory().total)


def memory_budget() -> int:
    """LAB_MEMORY_BUDGET, else a third of the RAM (16 GB Space: about 5.3 GB for one job)."""
    return _bytes_from_env("LAB_MEMORY_BUDGET", _machine_ram() // 3)


def job_seconds() -> float:
    """LAB_JOB_SECONDS, else 10 minutes: the longest one job may hold the class's only worker."""
    return _seconds_from_env("LAB_JOB_SECONDS", 600.0)


# --- the queue and the owners ---------------------------------------------------------------------
MAX_JOBS_PER_OWNER = 2        # one running and one waiting is all a student needs
MAX_QUEUE = 30                # a class of 30, one job each; bounds what cleared storage can add
NEW_OWNERS_PER_ADDRESS = 200  # new browser ids per client address per window: a class shares one NAT
NEW_OWNERS_WINDOW_S = 600

# --- job settings (the UI's slider maxima are these) -----------------------------------------------
FINETUNE_MAX_STEPS = 2000
FINETUNE_MAX_BATCH = 128
FINETUNE_MAX_LENGTH = 512
FINETUNE_MAX_METHODS = 10  # every method the lab has; the time budget still bounds a long comparison
FINETUNE_MAX_TRAIN_ROWS = 50_000
SFT_MAX_STEPS = 2000
SFT_MAX_BATCH = 64
SFT_MAX_LENGTH = 1024
SFT_MAX_TRAIN_ROWS = 20_000
PRETRAIN_MAX_STEPS = 3000
RL_MAX_GENERATIONS = 16    # completions per prompt in one GRPO group
RL_MAX_PROMPTS = 16        # prompts per GRPO step
RL_MAX_COMPLETION = 64     # tokens per sampled completion
TOKENIZER_MAX_VOCAB = 100_000

# --- data and files ---------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 20 * 1024 * 1024   # also launch(max_file_size=...): a classroom upload, not a dump
MAX_UPLOAD_ROWS = 200_000
MAX_CORPUS_TEXTS = 200_000            # texts one tokenizer or pre-training job reads
MAX_TEXT_CHARS = 2000                 # one typed input (pipeline, try-it, samples)
MAX_OWNER_BYTES_ON_DISK = 3 * 1024 ** 3  # one owner's run folders; the oldest are pruned first
MAX_OWNER_RUNS = 50                   # runs kept per owner; the oldest are pruned first

# An estimate, stated as such: FLOPs per token / this rate. Calibrated on this machine shape (2 cores):
# full fine-tuning of MiniLM (22.7M) at batch 16 x 64 took 0.51 s/step (6 FLOPs per parameter per token).
CPU_FLOPS_PER_SECOND = 2.7e11


def step_seconds(params: int, batch: int, length: int, trainable: int = 0, deep: bool = True,
                 flops_per_second: float = CPU_FLOPS_PER_SECOND) -> float:
    """Estimated seconds of one step over batch x length tokens: the forward pass (2 FLOPs per parameter),
    the gradient through the activations when anything below the top trains (`deep`, 2 more), and the
    trainable weights' gradients (2 per trainable parameter). Full: 6P; LoRA: about 4P; head only: 2P,
    which matches the measured ratios (full 0.51 s, LoRA 0.35 s, head 0.18 s per step)."""
    flops_per_token = 2.0 * params + (2.0 * params if deep else 0.0) + 2.0 * trainable
    return flops_per_token * batch * length / flops_per_second


# Generating one new token reads every weight once whatever the batch (the KV cache holds the rest):
# SmolLM2-135M sampled 8 completions of 10 tokens in 1.45 s in fp32 here, about 1.1 ns per parameter a token.
DECODE_SECONDS_PER_PARAMETER = 1.1e-9


def generate_seconds(params: int, sequences: int, prompt_length: int, new_tokens: int) -> float:
    """Estimated seconds to sample `new_tokens` for `sequences` prompts: one forward over the prompts, then a
    token at a time, each bounded below by reading the weights (small batches) or by its FLOPs (large ones)."""
    prefill = step_seconds(params, sequences, prompt_length, 0, False)
    per_token = max(params * DECODE_SECONDS_PER_PARAMETER, step_seconds(params, sequences, 1, 0, False))
    return prefill + new_tokens * per_token


def gb(n: float) -> str:
    return f"{n / 1024 ** 3:.1f} GB"


def check_budget(memory_bytes: int, seconds: float, lower: str) -> None:
    """Refuse a job predicted above the memory budget or estimated above the time budget."""
    budget = memory_budget()
    if memory_bytes > budget:
        raise LabError(f"This job is predicted to need {gb(memory_bytes)} of memory, above the lab's budget of "
                       f"{gb(budget)}; lower {lower}.")
    limit = job_seconds()
    if seconds > limit:
        raise LabError(f"This job is estimated to take about {seconds / 60:.0f} minutes, above the lab's budget "
                       f"of {limit / 60:.0f} minutes per job; lower {lower}.")


def table() -> list[tuple[str, str, str]]:
    """(name, value, what it protects) of every limit, for the docs and `python -m lab.limits`."""
    return [
        ("LAB_MEMORY_BUDGET", gb(memory_budget()), "the machine's RAM: a job predicted above it is refused"),
        ("LAB_JOB_SECONDS", f"{job_seconds():.0f} s", "the shared worker: refused above it, stopped at it"),
        ("MAX_JOBS_PER_OWNER", str(MAX_JOBS_PER_OWNER), "fairness: one student cannot fill the queue"),
        ("MAX_QUEUE", str(MAX_QUEUE), "the queue as a whole, whatever ids the browsers hold"),
        ("NEW_OWNERS_PER_ADDRESS", f"{NEW_OWNERS_PER_ADDRESS} per {NEW_OWNERS_WINDOW_S} s",
         "ids minted by clearing storage in a loop"),
        ("FINETUNE_MAX_STEPS / BATCH / LENGTH / METHODS",
         f"{FINETUNE_MAX_STEPS} / {FINETUNE_MAX_BATCH} / {FINETUNE_MAX_LENGTH} / {FINETUNE_MAX_METHODS}",
         "absurd settings, before the budgets are even asked"),
        ("SFT_MAX_STEPS / BATCH / LENGTH", f"{SFT_MAX_STEPS} / {SFT_MAX_BATCH} / {SFT_MAX_LENGTH}", "the same for SFT and DPO"),
        ("PRETRAIN_MAX_STEPS", str(PRETRAIN_MAX_STEPS), "the same for pre-training"),
        ("RL_MAX_GENERATIONS / PROMPTS / COMPLETION", f"{RL_MAX_GENERATIONS} / {RL_MAX_PROMPTS} / {RL_MAX_COMPLETION}",
         "completions sampled per GRPO step, and their length"),
        ("MAX_UPLOAD_BYTES", f"{MAX_UPLOAD_BYTES // 2 ** 20} MB", "disk and memory per upload (also gradio's max_file_size)"),
        ("MAX_UPLOAD_ROWS / MAX_CORPUS_TEXTS", f"{MAX_UPLOAD_ROWS:,} / {MAX_CORPUS_TEXTS:,}",
         "memory and time spent reading data; Hub datasets are sliced to these rows too"),
        ("FINETUNE_MAX_TRAIN_ROWS / SFT_MAX_TRAIN_ROWS", f"{FINETUNE_MAX_TRAIN_ROWS:,} / {SFT_MAX_TRAIN_ROWS:,}",
         "rows one fine-tuning or SFT job trains on (uploads and Hub downloads)"),
        ("MAX_TEXT_CHARS", f"{MAX_TEXT_CHARS:,}", "one typed input"),
        ("MAX_OWNER_BYTES_ON_DISK / MAX_OWNER_RUNS", f"{gb(MAX_OWNER_BYTES_ON_DISK)} / {MAX_OWNER_RUNS}",
         "the disk: an owner's oldest runs are pruned first"),
    ]


if __name__ == "__main__":
    for name, value, protects in table():
        print(f"{name:48} {value:24} {protects}")
