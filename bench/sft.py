"""The issue's "Done when" figures: LoRA SFT of 60 steps on the defaults (time, held-out accuracy
before and after) and DPO of 30 steps (reward margin, first steps vs last steps), in each precision.

    LAB_DATA_DIR=/tmp/bench_sft python bench/sft.py [--sft-steps 60] [--dpo-steps 30] [--precisions auto,fp32]

Runs the same jobs as `python -m lab sft` and `python -m lab dpo`, on the shared worker, once per
LAB_PRECISION in --precisions (auto: what the lab picks here), one after the other in this process; with
two, prints SFT's speed-up (whole job and training alone) of the first over the second.
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
    parser.add_argument("--json", help="write every result here")
    args = parser.parse_args()
    runs = {}
    for chosen in args.precisions.split(","):
        os.environ["LAB_PRECISION"] = chosen  # the job's child process reads it
        print(f"LAB_PRECISION={chosen}, load {open('/proc/loadavg').read().split()[0]}", flush=True)
        runs[chosen] = measure(args)
    if len(runs) == 2 and all("sft" in r for r in runs.values()):
        first, second = (v["sft"] for v in runs.values())
        print(f"SFT {first['precision']} vs {second['precision']}: whole job {second['seconds'] / first['seconds']:.2f}x "
              f"faster, training {second['train_seconds'] / first['train_seconds']:.2f}x (target >= 1.5)")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2, default=str))


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
