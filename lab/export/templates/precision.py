"""The precision an exported script trains in, by the lab's own rule (lab/training.py: precision):
included into every training template where it says `# EXPORT:INCLUDE precision.py`.

bf16 autocast (weights, gradients and AdamW stay fp32) where the hardware computes bf16 natively (a
CUDA card that says so; a CPU with AVX512-BF16 or AMX) and, on a CPU, a short matmul probe finds it at
least 1.3x faster than fp32; fp32 elsewhere. LAB_PRECISION=fp32|bf16 decides instead.
Everything above EXPORT:BODY is here only so that this file reads (and lints) on its own.
"""
from __future__ import annotations

import torch


# EXPORT:BODY
_PRECISION: list[str] = []  # decided once per run


def precision() -> str:
    """"bf16" or "fp32" (see the module docstring of the lab's lab/training.py for the measured reasons)."""
    import os
    import time

    if _PRECISION:
        return _PRECISION[0]
    chosen = os.environ.get("LAB_PRECISION", "auto").strip().lower()
    if chosen not in ("fp32", "bf16"):
        if torch.cuda.is_available():
            chosen = "bf16" if torch.cuda.is_bf16_supported() else "fp32"
        elif not (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()):
            chosen = "fp32"  # no bf16 units: torch would emulate it, slower than fp32
        else:
            def best(dtype) -> float:  # seconds of the fastest of five 512 x 512 products
                a, b = torch.randn(512, 512).to(dtype), torch.randn(512, 512).to(dtype)
                a @ b
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    a @ b
                    times.append(time.perf_counter() - started)
                return min(times)
            chosen = "bf16" if best(torch.float32) >= 1.3 * best(torch.bfloat16) else "fp32"
    _PRECISION.append(chosen)
    print(f"training in {chosen}" + (" (bf16 autocast)" if chosen == "bf16" else ""))
    return chosen
