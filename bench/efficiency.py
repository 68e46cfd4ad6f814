"""Achieved training FLOP/s of full fine-tuning against this machine's fp32 matmul peak, same process.

    python bench/efficiency.py [--steps 8] [--batch 16] [--length 64] [--json OUT]

FLOPs per step: 6 x non-embedding parameters x tokens (forward 2, backward 4) plus attention's
12 x layers x batch x length^2 x hidden; inputs are padded to --length so the token count is exact.
The step is the lab's: MiniLM classifier, AdamW, the same threads. Target: percent_of_peak >= 50,
best step against best matmul (both the machine at its quietest); the median is printed beside it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    import torch
    from transformers import AutoModelForSequenceClassification

    from lab import resources
    from probe import matmul_gflops

    peak = matmul_gflops()
    model = AutoModelForSequenceClassification.from_pretrained(resources.minilm_path(), num_labels=2)
    model.train()
    conf = model.config
    embedding = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    body = sum(p.numel() for p in model.parameters()) - embedding
    tokens = args.batch * args.length
    flops = 6 * body * tokens + 12 * conf.num_hidden_layers * args.batch * args.length ** 2 * conf.hidden_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    batch = {"input_ids": torch.randint(1000, 20000, (args.batch, args.length)),
             "attention_mask": torch.ones(args.batch, args.length, dtype=torch.long),
             "labels": torch.randint(0, 2, (args.batch,))}
    times = []
    for step in range(args.steps + 2):  # two warm-up steps
        started = time.perf_counter()
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:
            times.append(time.perf_counter() - started)
    # Best against best: the peak is the fastest of its products, so the step is the fastest of its steps
    # (on a shared machine a median compares a quiet moment with a busy one); the median is printed too.
    per_step, median = min(times), sorted(times)[len(times) // 2]
    achieved = flops / per_step / 1e9
    peak = max(peak, matmul_gflops())
    out = {"threads": torch.get_num_threads(), "matmul_gflops": peak, "flops_per_step": flops,
           "seconds_per_step": per_step, "median_seconds_per_step": median, "achieved_gflops": achieved,
           "percent_of_peak": 100 * achieved / peak, "median_percent_of_peak": 100 * flops / median / 1e9 / peak,
           "batch": args.batch, "length": args.length, "non_embedding_params": body}
    print(f"fp32 matmul peak ({out['threads']} threads, best of 2 x 10 products): {peak:.1f} GFLOP/s")
    print(f"full fine-tuning step, batch {args.batch} x {args.length} tokens: {per_step:.3f} s (best of "
          f"{args.steps}; median {median:.3f} s = {out['median_percent_of_peak']:.0f}%), {flops / 1e9:.1f} GFLOP "
          f"-> {achieved:.1f} GFLOP/s = {out['percent_of_peak']:.0f}% of peak")
    print(("PASS" if out["percent_of_peak"] >= 50 else "MISS") + " percent_of_peak >= 50")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
