"""This machine's fp32 matmul speed, measured in the benchmark's own process, to normalise its timings.

    python bench/probe.py      # prints GFLOP/s

The issue's reference machine did 287 GFLOP/s on 2 threads; `normalized_seconds` = seconds x measured /
287 says what a run would take there.
"""
from __future__ import annotations

import time

REFERENCE_GFLOPS = 287.0


def matmul_gflops(n: int = 1024, repeats: int = 10) -> float:
    """Best of `repeats` fp32 n x n x n products (2 n^3 FLOPs each), after one warm-up, in GFLOP/s."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * n ** 3 / best / 1e9


def normalized_seconds(seconds: float, gflops: float) -> float:
    return seconds * gflops / REFERENCE_GFLOPS


if __name__ == "__main__":
    import torch
    print(f"fp32 matmul, {torch.get_num_threads()} threads: {matmul_gflops():.1f} GFLOP/s")
