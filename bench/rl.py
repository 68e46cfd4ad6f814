"""RLHF on the defaults, beside the SFT default of the same task: the reward model's held-out pairwise
accuracy, GRPO's mean reward over its first and last 10 steps, the GRPO step split into generation,
scoring and training, held-out accuracy before and after, and both stages' seconds against SFT's.

    LAB_DATA_DIR=/tmp/bench_rl python bench/rl.py [--precisions auto,fp32] [--json OUT]

Runs the same jobs as `python -m lab reward`, `python -m lab rl` and `python -m lab sft`, on the shared
worker, once per LAB_PRECISION in --precisions (auto: what the lab picks here; on a CPU without bf16 units
give only auto), one after the other in this process. Seconds are whole jobs (loading included), as the
page's "Done in" says.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.__main__ import run_job  # noqa: E402
from lab.config import RewardRunConfig, RLRunConfig, SFTRunConfig  # noqa: E402


def mean(values):
    return sum(values) / max(len(values), 1)


def one_round(precision: str) -> dict:
    os.environ["LAB_PRECISION"] = precision
    reward = run_job("reward", RewardRunConfig())
    rl = run_job("rl", RLRunConfig(reward_model=f"run:{reward['run_id']}"))
    sft = run_job("sft", SFTRunConfig())
    rewards = [r for _, r in rl["reward"]]
    steps = max(rl["steps"], 1)
    step = rl["train_seconds"] / steps
    generate, score = rl["generate_seconds_per_step"], rl["score_seconds_per_step"]
    out = {
        "precision": rl["precision"],
        "reward_heldout_accuracy": reward["heldout_accuracy"], "reward_heldout_margin": reward["heldout_margin"],
        "reward_seconds": reward["seconds"],
        "policy_accuracy_before": rl["accuracy_before"], "policy_accuracy_after": rl["accuracy_after"],
        "reward_mean_first10": round(mean(rewards[:10]), 4), "reward_mean_last10": round(mean(rewards[-10:]), 4),
        "grpo_seconds": rl["seconds"], "grpo_step_seconds": round(step, 3),
        "grpo_step_generation": generate, "grpo_step_scoring": score,
        "grpo_step_training": round(step - generate - score, 3),
        "rl_seconds": round(reward["seconds"] + rl["seconds"], 2),
        "sft_accuracy": sft["accuracy_after"], "sft_accuracy_before": sft["accuracy_before"],
        "sft_seconds": sft["seconds"],
    }
    out["rl_over_sft_seconds"] = round(out["rl_seconds"] / out["sft_seconds"], 2)
    out["accuracy_gap_to_sft"] = round(out["sft_accuracy"] - (out["policy_accuracy_after"] or 0), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--precisions", default="auto", help="comma-separated LAB_PRECISION values, e.g. auto,fp32")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    rounds = {p: one_round(p) for p in args.precisions.split(",")}
    first = next(iter(rounds.values()))
    figures = {**first, "by_precision": rounds}
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
