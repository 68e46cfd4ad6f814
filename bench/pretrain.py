"""Benchmark of the tokenizer and pre-training tabs' defaults: the figures BENCHMARKS.md holds against its targets.

    LAB_DATA_DIR=/tmp/bench_lab python bench/pretrain.py [--steps 300] [--learning-rate 0.002]

Prints: tokenizer training seconds, final vocabulary, tokens per held-out tweet old vs new; then a
2-layer hidden-128 BERT pre-trained on the new tokenizer: seconds, the train loss and eval perplexity
along the way, and the unigram perplexity line it should end below. Never a test: timings vary with load.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.__main__ import run_job  # noqa: E402
from lab.config import PretrainConfig, TokenizerConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=PretrainConfig.steps)
    parser.add_argument("--learning-rate", type=float, default=PretrainConfig.learning_rate)
    parser.add_argument("--batch-size", type=int, default=PretrainConfig.batch_size)
    parser.add_argument("--warmup-steps", type=int, default=PretrainConfig.warmup_steps)
    parser.add_argument("--json", help="Also write both results here.")
    args = parser.parse_args()

    tok = run_job("tokenizer", TokenizerConfig())
    print(f"tokenizer: {tok['base']} -> {tok['vocab_size']:,} tokens in {tok['seconds']:.2f} s; "
          f"tokens per held-out tweet {tok['tokens_per_text_old']:.2f} (old) vs {tok['tokens_per_text_new']:.2f} (new); "
          f"{tok['overlap']:.1%} of the new vocabulary is in the old one")
    cfg = PretrainConfig(tokenizer=tok["ref"], steps=args.steps, learning_rate=args.learning_rate,
                         batch_size=args.batch_size, warmup_steps=args.warmup_steps)
    pre = run_job("pretrain", cfg)
    print(f"pretrain: {pre['params']:,} parameters, vocab {pre['vocab']:,}, {pre['steps']} steps in "
          f"{pre['seconds']:.1f} s ({pre['seconds_per_step']:.3f} s/step), lr {cfg.learning_rate}, "
          f"batch {cfg.batch_size}, blocks of {cfg.block_size}, warmup {cfg.warmup_steps}")
    losses = pre["train_loss"]
    window = lambda lo, hi: [l for s, l in losses if lo <= s <= hi]  # noqa: E731
    for lo in range(1, pre["steps"] + 1, 50):
        part = window(lo, lo + 49)
        if part:
            print(f"  train loss, steps {lo:>3}-{lo + len(part) - 1:<3}: mean {sum(part) / len(part):.3f}")
    print("  eval perplexity: " + ", ".join(f"step {s}: {p:,.1f}" for s, p in pre["eval_perplexity"]))
    final, unigram = pre["final_eval_perplexity"], pre["unigram_perplexity"]
    print(f"  unigram perplexity (reference line): {unigram:,.1f}; final eval perplexity {final:,.1f} "
          f"({(final / unigram - 1):+.1%} against it)")
    if args.json:
        Path(args.json).write_text(json.dumps({"tokenizer": tok, "pretrain": pre}, indent=2, default=str))


if __name__ == "__main__":
    main()
