"""This machine's speed, measured in the benchmark's own process: matmul peaks and a plain PyTorch step.

    python bench/probe.py      # prints fp32 and bf16 matmul GFLOP/s and the plain fp32 step

The reference machine of the earlier figures did 287 GFLOP/s fp32 on 2 threads; `normalized_seconds` = seconds x measured
/ 287 says what a run would take there. `plain_fp32_step` is the reference the lab's figures are stated
against: a plain PyTorch loop (no Trainer, no lab) of MiniLM full fine-tuning, AdamW, fp32.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REFERENCE_GFLOPS = 287.0
PLAIN_BATCH, PLAIN_LENGTH = 32, 64


def matmul_gflops(n: int = 1024, repeats: int = 10, dtype=None) -> float:
    """Best of `repeats` n x n x n products (2 n^3 FLOPs each) in `dtype` (fp32 by default), in GFLOP/s."""
    from lab.training import matmul_gflops as measure

    return measure(dtype, n, repeats)


def peaks(rounds: int = 2) -> dict:
    """{"fp32_peak_gflops", "bf16_peak_gflops"}: best of alternating rounds, so a busy moment hurts both."""
    import torch

    fp32 = bf16 = 0.0
    for _ in range(rounds):
        fp32 = max(fp32, matmul_gflops(dtype=torch.float32))
        bf16 = max(bf16, matmul_gflops(dtype=torch.bfloat16))
    return {"fp32_peak_gflops": round(fp32, 1), "bf16_peak_gflops": round(bf16, 1)}


def minilm_batch(batch: int = PLAIN_BATCH, length: int = PLAIN_LENGTH, seed: int = 0) -> dict:
    """A fixed batch of `batch` x `length` token ids (no padding, so the token count is exact) and labels."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    return {"input_ids": torch.randint(1000, 20000, (batch, length), generator=generator),
            "attention_mask": torch.ones(batch, length, dtype=torch.long),
            "labels": torch.randint(0, 2, (batch,), generator=generator)}


def plain_fp32_step(steps: int = 5, batch: int = PLAIN_BATCH, length: int = PLAIN_LENGTH) -> dict:
    """Seconds of a plain PyTorch full fine-tuning step of MiniLM: forward, backward, AdamW, all fp32.

    The loop a course writes by hand; two warm-up steps, then the best of `steps` (the median beside it).
    """
    import torch
    from transformers import AutoModelForSequenceClassification

    from lab import resources

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(resources.minilm_path(), num_labels=2)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    inputs = minilm_batch(batch, length)
    times = []
    for step in range(steps + 2):
        started = time.perf_counter()
        model(**inputs).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:
            times.append(time.perf_counter() - started)
    return {"best": min(times), "median": sorted(times)[len(times) // 2], "times": times}


def normalized_seconds(seconds: float, gflops: float) -> float:
    return seconds * gflops / REFERENCE_GFLOPS


def load() -> float:
    """The 1-minute load average: a shared machine's figures are stated with it."""
    return float(Path("/proc/loadavg").read_text().split()[0])


if __name__ == "__main__":
    import torch
    print(f"{torch.get_num_threads()} threads: {peaks()}; plain fp32 step (batch {PLAIN_BATCH} x {PLAIN_LENGTH}): "
          f"{plain_fp32_step()['best']:.3f} s; load {load()}")
