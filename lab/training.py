"""Trainer set-up shared by every tab, the precision it trains in, and the callbacks that report steps.

The Trainer never prints and never imports gradio: it reports through `EventCallback`, which emits
`step` events (step, loss, lr, seconds per step, memory, ETA; a penalty a method adds to the loss it
optimises comes apart as `*_penalty`) and `eval` events, and asks the Trainer to stop at the end of the
step in which the job's cancel event was set.

Precision (`precision()`): bf16 autocast (weights, gradients and AdamW stay fp32; matmuls run in bf16)
where the hardware has native bf16 and a short probe in this process confirms it is faster, fp32
elsewhere; `LAB_PRECISION=fp32|bf16|auto` overrides. Every kind's Trainer takes it from here. SFT and
DPO add their own CPU measures on top (lab/kinds/causal/cpu_speed.py: bf16 copies of the frozen weights,
eager attention, trl's LM head scored and accumulated sparingly).
"""
from __future__ import annotations

import functools
import os
import time
from typing import TYPE_CHECKING

from transformers import PrinterCallback, TrainerCallback, TrainingArguments

from lab.metrics import TensorMemory

if TYPE_CHECKING:  # a job's context is the worker's (lab/serve/job.py); jobs only use it
    from lab.serve.job import JobContext

MEMORY_STEPS = 3  # every part of a run's memory exists by the end of step 2; later, only larger batches are watched


def device() -> str:
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


PRECISIONS = ("fp32", "bf16")
BF16_MIN_SPEEDUP = 1.3  # the probe's bf16 matmul must beat fp32 by this much: autocast's casts cost the rest


def bf16_native() -> bool:
    """Whether the hardware computes in bf16 natively: a CUDA card that says so, or a CPU with AVX512-BF16 or
    AMX (elsewhere torch emulates bf16 through fp32, slower than fp32 itself)."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def matmul_gflops(dtype=None, n: int = 1024, repeats: int = 10) -> float:
    """Best of `repeats` n x n x n products (2 n^3 FLOPs each) in `dtype` on the CPU, after one warm-up."""
    import torch

    dtype = dtype or torch.float32
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * n ** 3 / best / 1e9


@functools.lru_cache(maxsize=1)
def bf16_probe() -> dict:
    """Once per process: the capability and, on a CPU that has it, fp32 against bf16 matmul speed.

    Measured alternately (fp32, bf16, fp32, bf16), best of each, so a busy moment hurts both alike;
    512 x 512 products keep it near 0.1 s.
    """
    import torch

    native = bf16_native()
    out = {"native": native, "fp32_gflops": None, "bf16_gflops": None, "speedup": None}
    if native and not torch.cuda.is_available():
        fp32 = max(matmul_gflops(torch.float32, 512, 5) for _ in range(2))
        bf16 = max(matmul_gflops(torch.bfloat16, 512, 5) for _ in range(2))
        out.update(fp32_gflops=round(fp32, 1), bf16_gflops=round(bf16, 1), speedup=round(bf16 / fp32, 2))
    return out


def precision() -> str:
    """"bf16" or "fp32": LAB_PRECISION when it names one, else bf16 where it is native and faster."""
    from lab.errors import LabError

    chosen = os.environ.get("LAB_PRECISION", "auto").strip().lower() or "auto"
    if chosen in PRECISIONS:
        return chosen
    if chosen != "auto":
        raise LabError(f"LAB_PRECISION must be fp32, bf16 or auto, not '{chosen}'.")
    probe = bf16_probe()
    if not probe["native"]:
        return "fp32"
    return "bf16" if probe["speedup"] is None or probe["speedup"] >= BF16_MIN_SPEEDUP else "fp32"


def autocast(chosen: str | None = None):
    """The forward's autocast context for a precision (a no-op for fp32): scoring and benches use it."""
    import torch

    chosen = chosen or precision()
    return torch.autocast(device(), dtype=torch.bfloat16, enabled=chosen == "bf16")


def training_args(output_dir: str, max_steps: int, batch_size: int, learning_rate: float,
                  seed: int = 0, **overrides) -> TrainingArguments:
    """TrainingArguments with the lab's defaults: no checkpoints, no reporters, a log every step."""
    on_cpu = device() == "cpu"
    bf16 = precision() == "bf16"  # the Trainer (accelerate) wraps the forward in autocast; weights stay fp32
    settings = dict(
        output_dir=output_dir, max_steps=max_steps, per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=max(batch_size, 32), learning_rate=learning_rate, seed=seed,
        data_seed=seed, logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, use_cpu=on_cpu, bf16=bf16, fp16=False,
        lr_scheduler_type="linear", warmup_steps=0, weight_decay=0.0,
    )
    settings.update(overrides)
    return TrainingArguments(**settings)


def quiet(trainer):
    """The Trainer without its PrinterCallback (added when tqdm is off): the job's events are the log."""
    trainer.remove_callback(PrinterCallback)
    return trainer


class MemoryCallback(TrainerCallback):
    """Marks each step's phases on a TensorMemory and decides which steps its CPU profiler watches.

    It watches loading and the first `memory.steps` steps, then every step whose batch is not covered by
    one already watched (no watched batch with at least as many rows, as long and as many real tokens): a
    step's memory grows with its batch's shape, and a packed encoder's with the tokens it holds, so the
    peak of the run is among those. The default comparison watches about 5 steps of 72 (the longest batch
    so far changes about ln(n) times). On CUDA the allocator counts the whole run.
    """

    def __init__(self, memory: TensorMemory):
        self.memory = memory
        self.step = 0
        self.watched: list[tuple[int, int, int]] = []  # (rows, length, real tokens) of each batch watched
        self.hook = None

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if model is not None:
            self.hook = model.register_forward_pre_hook(self.batch, with_kwargs=True)

    def batch(self, module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        if not module.training or ids is None or ids.dim() < 2:
            return
        mask = kwargs.get("attention_mask")
        tokens = int(mask.sum()) if mask is not None and mask.shape == ids.shape[:2] else ids.shape[0] * ids.shape[1]
        shape = (ids.shape[0], ids.shape[1], tokens)
        if any(all(seen >= now for seen, now in zip(watched, shape)) for watched in self.watched):
            return
        self.watched.append(shape)
        self.memory.resume(f"step {self.step}: forward and backward")  # no-op while the first window runs

    def on_step_begin(self, args, state, control, **kwargs):
        self.step = state.global_step + 1
        self.memory.phase(f"step {self.step}: forward and backward")

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        self.memory.phase(f"step {state.global_step + 1}: optimizer")

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= self.memory.steps:
            self.memory.pause()

    def on_train_end(self, args, state, control, **kwargs):
        if self.hook is not None:
            self.hook.remove()
        self.memory.stop()


class EventCallback(TrainerCallback):
    """Trainer -> job events. `extra` fields (a method name, say) go on every event."""

    def __init__(self, ctx: JobContext, **extra):
        self.ctx = ctx
        self.extra = extra
        self.started = None
        self.last_step = 0
        self.seconds_per_step = None
        self.precision = None
        self.losses: list[list[float]] = []
        self.evals: list[dict] = []

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()
        self.precision = "bf16" if args.bf16 else "fp32"  # what the Trainer really runs, whatever asked for it
        self.ctx.emit("precision", precision=self.precision, **self.extra)

    def on_step_end(self, args, state, control, **kwargs):
        self.last_step = state.global_step
        elapsed = time.perf_counter() - self.started
        self.seconds_per_step = elapsed / max(state.global_step, 1)
        if self.ctx.cancelled:
            control.should_training_stop = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        step = state.global_step
        if "loss" in logs:
            elapsed = time.perf_counter() - self.started
            per_step = elapsed / max(step, 1)
            event = {"step": step, "loss": float(logs["loss"]), "lr": float(logs.get("learning_rate", 0.0)),
                     "seconds": round(elapsed, 3), "seconds_per_step": round(per_step, 4),
                     "eta": round(per_step * max(state.max_steps - step, 0), 1),
                     "max_steps": state.max_steps,
                     "wall": round(time.time(), 3)}  # when it happened: bench/streaming.py times pages from it
            # a regulariser a method adds to what it optimises (AdaLoRA's orth_penalty), apart from the task loss
            event.update({k: float(v) for k, v in logs.items() if k.endswith("_penalty")})
            self.losses.append([step, event["loss"]])
            self.ctx.emit("step", **event, **self.extra)
        evals = {k: float(v) for k, v in logs.items() if k.startswith("eval_") and isinstance(v, (int, float))}
        if evals:
            evals["step"] = step
            self.evals.append(evals)
            self.ctx.emit("eval", **evals, **self.extra)
