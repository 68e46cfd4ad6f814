"""The causal tab's figures: LoRA SFT of 60 steps on the defaults (time, held-out accuracy before and
after) and DPO of 30 steps (reward margin, first steps vs last steps), in each precision, beside a
plain PyTorch step of the same model and shape in fp32 and bf16 (the ratio bf16 can give here).

    LAB_DATA_DIR=/tmp/bench_sft python bench/sft.py [--sft-steps 60] [--dpo-steps 30] [--precisions auto,fp32]
                                                    [--repeats 1]

Runs the same jobs as `python -m lab sft` and `python -m lab dpo`, on the shared worker, once per
LAB_PRECISION in --precisions (auto: what the lab picks here), one after the other in this process, and
the whole round --repeats times; with two precisions, prints SFT's speed-up (whole job and training
alone) of the first over the second, from the fastest run of each. This machine's speed drifts by 10-20%
within minutes, enough to move a ratio of two runs from 1.3 to 1.6: repeats alternate the precisions so
that a slow moment costs both alike.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.__main__ import run_job  # noqa: E402
from lab.config import DPORunConfig, SFTRunConfig  # noqa: E402


def mean(values):
    return sum(values) / max(len(values), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sft-steps", type=int, default=60)
    parser.add_argument("--dpo-steps", type=int, default=30)
    parser.add_argument("--precisions", default="auto,fp32")
    parser.add_argument("--repeats", type=int, default=1, help="rounds over the precisions, alternating")
    parser.add_argument("--json", help="write every result here")
    args = parser.parse_args()
    runs = {}
    reference = plain_reference()
    print(f"plain PyTorch reference (SmolLM2-135M + LoRA q,v, batch {reference['batch']} x {reference['length']}, "
          f"loss on the last {reference['labelled']} positions, best of {reference['rounds']} alternating): "
          f"fp32 {reference['fp32']:.3f} s; bf16 autocast {reference['bf16']:.3f} s = {reference['ratio']:.2f}x "
          f"(what plain autocast gives this step here); with eager attention {reference['bf16_eager']:.3f} s = "
          f"{reference['ratio_eager']:.2f}x; and bf16 copies of the frozen weights {reference['bf16_lab']:.3f} s = "
          f"{reference['ratio_lab']:.2f}x (the lab's bf16)", flush=True)
    for round_ in range(args.repeats):
        for chosen in args.precisions.split(","):
            os.environ["LAB_PRECISION"] = chosen  # the job's child process reads it
            print(f"LAB_PRECISION={chosen}, round {round_ + 1}, load {open('/proc/loadavg').read().split()[0]}",
                  flush=True)
            run = measure(args)
            best = runs.get(chosen)
            if best is None or ("sft" in run and run["sft"]["train_seconds"] < best["sft"]["train_seconds"]):
                runs[chosen] = {**run, "rounds": (best or {}).get("rounds", [])}
            timed = ("seconds", "train_seconds", "seconds_per_step")
            runs[chosen]["rounds"].append({kind: {k: r[k] for k in timed if k in r} for kind, r in run.items()})
    if len(runs) == 2 and all("sft" in r for r in runs.values()):
        first, second = (v["sft"] for v in runs.values())
        print(f"SFT {first['precision']} vs {second['precision']} (fastest of {args.repeats} each): whole job "
              f"{second['seconds'] / first['seconds']:.2f}x faster, training "
              f"{second['train_seconds'] / first['train_seconds']:.2f}x (target >= 1.5; "
              f"the plain loop's {reference['ratio']:.2f}x with plain autocast, {reference['ratio_lab']:.2f}x as the lab trains)")
    runs["plain_reference"] = reference
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2, default=str))


def plain_reference(batch: int = 4, length: int = 48, labelled: int = 4, rounds: int = 6) -> dict:
    """A plain PyTorch training step of the same work as the SFT default (SmolLM2-135M with LoRA on q and
    v, AdamW, SFT's batch and about its mean length, the loss on the answer's few positions), best of
    `rounds` each, alternately: fp32; bf16 autocast as it comes (`bf16`: the ceiling plain autocast sets on
    this machine); and the same with the two measures the lab adds in bf16 on the CPU: eager attention
    (`bf16_eager`: causal.common.choose_attention) and, on top, bf16 copies of the frozen weights
    (`bf16_lab`: causal.cpu_speed.frozen_weights_in_bf16)."""
    import time

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from lab import resources
    from lab.kinds.causal.cpu_speed import frozen_weights_in_bf16

    torch.manual_seed(0)
    ids = torch.randint(0, 40000, (batch, length))
    models, optimizers = {}, {}
    for name in ("fp32", "bf16", "bf16_eager", "bf16_lab"):
        model = AutoModelForCausalLM.from_pretrained(resources.smollm2_path(), dtype=torch.float32,
                                                     attn_implementation="sdpa" if name in ("fp32", "bf16") else "eager")
        models[name] = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                                        task_type="CAUSAL_LM"))
        optimizers[name] = torch.optim.AdamW([p for p in models[name].parameters() if p.requires_grad], lr=1e-4)

    def step(name: str) -> float:
        started = time.perf_counter()
        model = models[name].base_model.model
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=name != "fp32"):
            hidden = model.model(input_ids=ids).last_hidden_state[:, -labelled - 1:-1]
            logits = model.lm_head(hidden).float()
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)),
                                                     ids[:, -labelled:].reshape(-1))
        loss.backward()
        optimizers[name].step()
        optimizers[name].zero_grad()
        return time.perf_counter() - started

    best = dict.fromkeys(models, float("inf"))
    with frozen_weights_in_bf16(models["bf16_lab"], chosen="bf16"):
        for _ in range(rounds):
            for name in models:  # alternating, so a busy moment hurts both alike
                best[name] = min(best[name], step(name))
    return {"batch": batch, "length": length, "labelled": labelled, "rounds": rounds, **best,
            "ratio": best["fp32"] / best["bf16"], "ratio_eager": best["fp32"] / best["bf16_eager"],
            "ratio_lab": best["fp32"] / best["bf16_lab"]}


def measure(args) -> dict:
    out = {}
    if args.sft_steps:
        sft = run_job("sft", SFTRunConfig(steps=args.sft_steps))
        out["sft"] = sft
        print(f"[{sft['precision']}] SFT lora {sft['steps']} steps: {sft['seconds']:.1f} s in all "
              f"({sft['train_seconds']:.1f} s training, "
              f"{sft['seconds_per_step']:.2f} s/step); held-out accuracy {sft['accuracy_before']:.3f} -> "
              f"{sft['accuracy_after']:.3f} on {len(sft['answers'])} prompts; loss-token share "
              f"{sft['loss_token_fraction']:.3f}; under 3 minutes: {sft['seconds'] < 180}; "
              f"after above before: {sft['accuracy_after'] > sft['accuracy_before']}")
    if args.dpo_steps:
        dpo = run_job("dpo", DPORunConfig(steps=args.dpo_steps))
        out["dpo"] = dpo
        margins = [m for _, m in dpo["reward_margin"]]
        k = max(1, len(margins) // 5)
        print(f"[{dpo['precision']}] DPO lora {dpo['steps']} steps: {dpo['seconds']:.1f} s ({dpo['seconds_per_step']:.2f} s/step); "
              f"reward margin mean of first {k} steps {mean(margins[:k]):.4f}, of last {k} steps "
              f"{mean(margins[-k:]):.4f}; rising: {mean(margins[-k:]) > mean(margins[:k])}; "
              f"held-out accuracy {dpo['accuracy_before']:.3f} -> {dpo['accuracy_after']:.3f}")
    return out


if __name__ == "__main__":
    main()
