"""The SFT job's own training step in fp32 and in bf16, in one process on the same batches: what bf16 gives
the step the lab trains (not a stand-in), where the step's time goes, and what compiling would add.

    LAB_DATA_DIR=/tmp/bench_sft python bench/sft_step.py [--batches 6] [--rounds 6] [--compile] [--json OUT]

Builds the SFT tab's trainer on its defaults (SmolLM2-135M, LoRA, the built-in data) once per precision, each
set up as the lab sets it up for that precision (SDPA attention in fp32; in bf16 eager attention and bf16
copies of the frozen weights, lab/kinds/causal/cpu_speed.py), takes --batches batches from trl's own
collator (padded as the job pads them), and times a whole training step of each: forward and loss (trl's
fused LM head), backward, clipping and the optimizer's step, the precisions alternating over --rounds so
that a busy moment of the machine hurts both alike. Prints:
- `step_seconds` per precision (median over the rounds of each round's mean step) and `step_speedup`
  (fp32 / bf16): the speed-up the SFT job's training can reach here, free of the machine's drift between
  two whole jobs that bench/sft.py is exposed to;
- `phases`: the same step split into forward+loss, backward and clip+optimizer; `first_loss`, each
  variant's loss on the first batch (every variant starts from the same weights);
- `casts_per_step` and `cast_share`: the dtype conversions of one bf16 step (`aten::_to_copy`) and their
  share of its CPU time (torch's profiler): the work autocast adds that fp32 does not have;
- with --compile: the same with every decoder layer compiled (`torch.compile(dynamic=True)`; the inductor
  cache in a fresh folder, cold as on a fresh Space, unless --inductor-cache names one already filled):
  the step's speed-up in each precision over the eager one, `compile_seconds` (what the first --batches
  steps took beyond as many compiled steps) and `bf16_steps_to_repay_compile` (the larger compile time,
  which carries torch.compile's start-up as a job's own process would, over the bf16 step's gain).

The lab does not compile: every job runs in a fresh process, so each would pay at least the warm
figure, and the first after a restart the cold one (BENCHMARKS.md, eleventh session, has both); --compile
is here so that the trade can be measured again on another machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build(chosen: str, batches: int, compiled: bool):
    """A trainer, its optimizer and --batches collated batches for one precision, set up as the lab does."""
    import torch

    from lab.config import SFTRunConfig
    from lab.kinds.causal import common as causal_lm
    from lab.kinds.causal.cpu_speed import choose_attention
    from lab.kinds.causal.data import sft_data
    from lab.kinds.causal.sft import build_trainer

    cfg = SFTRunConfig()
    torch.manual_seed(cfg.seed)
    model, tokenizer, _ = causal_lm.load_causal_lm(cfg.model)
    choose_attention(model, cfg.batch_size, cfg.max_length, chosen=chosen)
    trainer = build_trainer(cfg, model, tokenizer, sft_data(cfg), tempfile.mkdtemp(prefix="sft_step_"), [])
    loader = iter(trainer.get_train_dataloader())
    fixed = [next(loader) for _ in range(batches)]
    trainer.create_optimizer()
    trainer.model.train()
    if compiled:
        for module in trainer.model.modules():
            if type(module).__name__.endswith("DecoderLayer"):
                module.forward = torch.compile(module.forward, dynamic=True)
    return {"trainer": trainer, "batches": fixed, "precision": chosen,
            "params": [p for p in trainer.model.parameters() if p.requires_grad]}


def step(run: dict, batch: dict, phases: dict | None = None) -> float:
    """One training step as the Trainer takes it (autocast forward and loss, backward, clipping, AdamW)."""
    import torch

    trainer = run["trainer"]
    started = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=run["precision"] == "bf16"):
        loss = trainer.compute_loss(trainer.model, dict(batch))
    forward = time.perf_counter()
    loss.backward()
    backward = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(run["params"], trainer.args.max_grad_norm)
    trainer.optimizer.step()
    trainer.optimizer.zero_grad(set_to_none=True)
    done = time.perf_counter()
    run["last_loss"] = loss.item()
    if phases is not None:
        for name, seconds in (("forward_and_loss", forward - started), ("backward", backward - forward),
                              ("clip_and_optimizer", done - backward)):
            phases.setdefault(name, []).append(seconds)
    return done - started


def casts(run: dict) -> dict:
    """Dtype conversions in one step, and the share of a step's CPU time they take (two profiled steps)."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    counted = [0]

    class CountCasts(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is torch.ops.aten._to_copy.default and kwargs.get("dtype") not in (None, args[0].dtype):
                counted[0] += 1
            return func(*args, **kwargs)

    with CountCasts():
        step(run, run["batches"][0])
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        for batch in run["batches"][:2]:
            step(run, batch)
    events = profile.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    converting = sum(e.cpu_time_total for e in events if e.key == "aten::_to_copy")
    return {"casts_per_step": counted[0], "cast_share": converting / total if total else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=6, help="batches of the SFT data, each timed every round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--compile", action="store_true", help="also time every decoder layer compiled")
    parser.add_argument("--inductor-cache", help="with --compile: the inductor cache folder (default a fresh one: "
                        "cold, as on a fresh Space; pass the same folder twice to time a warm cache)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.compile:
        cache = args.inductor_cache or tempfile.mkdtemp(prefix="inductor_")  # fresh: cold, as on a fresh Space
        warm = Path(cache).is_dir() and any(Path(cache).iterdir())
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = cache
    names = ["fp32", "bf16"] + (["fp32_compiled", "bf16_compiled"] if args.compile else [])
    runs = {name: build(name.split("_")[0], args.batches, name.endswith("compiled")) for name in names}
    print("batches (sequences x positions):", [tuple(b["input_ids"].shape) for b in runs["fp32"]["batches"]],
          flush=True)

    from lab.kinds.causal.cpu_speed import frozen_weights_in_bf16

    first, first_loss, means, phases = {}, {}, {name: [] for name in names}, {name: {} for name in names}
    bf16_models = [runs[name]["trainer"].model for name in names if name.startswith("bf16")]
    with frozen_weights_in_bf16(*bf16_models, chosen="bf16"):
        for name in names:  # the first steps: warm-up, and with --compile the compiling
            started = time.perf_counter()
            for index, batch in enumerate(runs[name]["batches"]):
                step(runs[name], batch)
                if index == 0:
                    first_loss[name] = runs[name]["last_loss"]  # every model starts alike: same weights, same batch
            first[name] = time.perf_counter() - started
        for round_ in range(args.rounds):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                seconds = [step(runs[name], batch, phases[name]) for batch in runs[name]["batches"]]
                means[name].append(sum(seconds) / len(seconds))
        census = casts(runs["bf16"])

    import torch

    out = {"batches": args.batches, "rounds": args.rounds, "threads": torch.get_num_threads(),
           "step_seconds": {name: statistics.median(means[name]) for name in names},
           "phases": {name: {k: statistics.median(v) for k, v in phases[name].items()} for name in names},
           "first_loss": first_loss, **census}
    seconds = out["step_seconds"]
    out["step_speedup"] = seconds["fp32"] / seconds["bf16"]
    print(f"SFT step, median of {args.rounds} alternating rounds over {args.batches} batches: fp32 "
          f"{seconds['fp32']:.3f} s, bf16 {seconds['bf16']:.3f} s: step_speedup {out['step_speedup']:.2f}x")
    for name in names:
        print(f"  {name}: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in out["phases"][name].items()))
    print("the first step's loss: " + ", ".join(f"{name} {loss:.5f}" for name, loss in first_loss.items()))
    print(f"bf16 step: {out['casts_per_step']} dtype conversions, {100 * out['cast_share']:.1f}% of its CPU time")
    if args.compile:
        out["compiled_speedup"] = {p: seconds[p] / seconds[f"{p}_compiled"] for p in ("fp32", "bf16")}
        out["inductor_cache"] = "warm" if warm else "cold"
        out["compile_seconds"] = {p: first[f"{p}_compiled"] - args.batches * seconds[f"{p}_compiled"]
                                  for p in ("fp32", "bf16")}
        out["step_speedup_compiled"] = seconds["fp32"] / seconds["bf16_compiled"]
        for p in ("fp32", "bf16"):
            print(f"compiled decoder layers, {p}: step {seconds[f'{p}_compiled']:.3f} s "
                  f"({out['compiled_speedup'][p]:.2f}x the eager step); the first {args.batches} steps took "
                  f"{out['compile_seconds'][p]:.1f} s more (compiling, cache {'warm' if warm else 'cold'})")
        # the precision compiled first in this process also paid torch.compile's own start-up, as a job's fresh
        # process would: the larger of the two is what one job would pay
        steps_to_gain = max(out["compile_seconds"].values()) / max(seconds["bf16"] - seconds["bf16_compiled"], 1e-9)
        out["bf16_steps_to_repay_compile"] = steps_to_gain
        print(f"bf16 compiled: fp32 eager / bf16 compiled {out['step_speedup_compiled']:.2f}x; a job compiling "
              f"in its own process repays it after {steps_to_gain:.0f} steps (SFT's default trains 60)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
