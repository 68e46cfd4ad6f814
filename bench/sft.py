"""The issue's "Done when" figures: LoRA SFT of 60 steps on the defaults (time, held-out accuracy
before and after) and DPO of 30 steps (reward margin, first steps vs last steps).

    LAB_DATA_DIR=/tmp/bench_sft python bench/sft.py [--sft-steps 60] [--dpo-steps 30]

Runs the same jobs as `python -m lab sft` and `python -m lab dpo`, on the shared worker.
"""
from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--json", help="write both results here")
    args = parser.parse_args()
    out = {}
    if args.sft_steps:
        sft = run_job("sft", SFTRunConfig(steps=args.sft_steps))
        out["sft"] = sft
        print(f"SFT lora {sft['steps']} steps: {sft['seconds']:.1f} s in all ({sft['train_seconds']:.1f} s training, "
              f"{sft['seconds_per_step']:.2f} s/step); held-out accuracy {sft['accuracy_before']:.3f} -> "
              f"{sft['accuracy_after']:.3f} on {len(sft['answers'])} prompts; loss-token share "
              f"{sft['loss_token_fraction']:.3f}; under 3 minutes: {sft['seconds'] < 180}; "
              f"after above before: {sft['accuracy_after'] > sft['accuracy_before']}")
    if args.dpo_steps:
        dpo = run_job("dpo", DPORunConfig(steps=args.dpo_steps))
        out["dpo"] = dpo
        margins = [m for _, m in dpo["reward_margin"]]
        k = max(1, len(margins) // 5)
        print(f"DPO lora {dpo['steps']} steps: {dpo['seconds']:.1f} s ({dpo['seconds_per_step']:.2f} s/step); "
              f"reward margin mean of first {k} steps {mean(margins[:k]):.4f}, of last {k} steps "
              f"{mean(margins[-k:]):.4f}; rising: {mean(margins[-k:]) > mean(margins[:k])}; "
              f"held-out accuracy {dpo['accuracy_before']:.3f} -> {dpo['accuracy_after']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
