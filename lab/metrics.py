"""What the lab measures: parameter counts, the predicted memory ledger, measured peak memory.

Parameter wording follows peft: "trainable params … all params … trainable%". The memory ledger is
predicted before a run (weights by dtype, gradients, AdamW state, activations) and shown beside the
peak measured during it: torch.cuda.max_memory_allocated on CUDA, peak resident memory above the
job's starting baseline on CPU (sampled by a thread, since CPU has no allocator counter).
"""
from __future__ import annotations

import os
import threading
import time

import psutil

ADAMW_BYTES_PER_PARAM = 8  # two fp32 moments


def count_parameters(model) -> dict:
    """{"trainable", "total", "percent"}: peft's numbers (4-bit weights count two per stored byte)."""
    trainable = total = 0
    for param in model.parameters():
        n = param.numel()
        if param.__class__.__name__ == "Params4bit":  # bitsandbytes packs two 4-bit values per byte
            n *= 2
        total += n
        if param.requires_grad:
            trainable += n
    return {"trainable": trainable, "total": total, "percent": 100.0 * trainable / max(total, 1)}


def describe_parameters(counts: dict) -> str:
    return (f"trainable params: {counts['trainable']:,} || all params: {counts['total']:,} "
            f"|| trainable%: {counts['percent']:.4f}")


def parameter_groups(model) -> dict[str, dict]:
    """Per top-level module group (embeddings, encoder.layer.0, ..., classifier): trainable and total."""
    groups: dict[str, dict] = {}
    for name, param in model.named_parameters():
        parts = name.split(".")
        while len(parts) > 2 and parts[0] in ("base_model", "model", "bert", "roberta", "distilbert"):
            parts = parts[1:]
        if parts[:2] == ["encoder", "layer"]:
            key = ".".join(parts[:3])  # encoder.layer.N
        elif parts[0] in ("layers", "h"):
            key = ".".join(parts[:2])  # layers.N in causal LMs
        else:
            key = parts[0]
        group = groups.setdefault(key, {"trainable": 0, "total": 0})
        group["total"] += param.numel()
        if param.requires_grad:
            group["trainable"] += param.numel()
    return groups


def weight_bytes(model) -> int:
    """Bytes the parameters and buffers take as stored (dtype-aware, so 4-bit weights count as packed)."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    total += sum(b.numel() * b.element_size() for b in model.buffers())
    # bitsandbytes keeps each 4-bit weight's absmax scales in a quant_state beside the tensor.
    for module in model.modules():
        weight = getattr(module, "weight", None)
        state = getattr(weight, "quant_state", None)
        if state is not None and getattr(state, "absmax", None) is not None:
            total += state.absmax.numel() * state.absmax.element_size()
    return total


def predict_memory(model, batch_size: int, seq_len: int, hidden_size: int, layers: int,
                   intermediate_size: int | None = None, heads: int = 12) -> dict:
    """The ledger predicted before training, in bytes: weights, gradients, optimizer, activations."""
    counts = count_parameters(model)
    intermediate_size = intermediate_size or 4 * hidden_size
    # Per layer, the tensors autograd keeps for backward in fp32: about 10 of (B, T, H) for the
    # projections, residuals and norms, 2 of (B, T, I) for the feed-forward, 2 of (B, heads, T, T) for
    # attention scores and probabilities. A rule of thumb, stated as such in the UI.
    tokens = batch_size * seq_len
    per_layer = 4 * (10 * tokens * hidden_size + 2 * tokens * intermediate_size
                     + 2 * batch_size * heads * seq_len * seq_len)
    ledger = {
        "weights": weight_bytes(model),
        "gradients": 4 * counts["trainable"],
        "optimizer": ADAMW_BYTES_PER_PARAM * counts["trainable"],
        "activations": per_layer * layers if counts["trainable"] else 0,
    }
    ledger["total"] = sum(ledger.values())
    return ledger


class PeakMemory:
    """Context manager measuring the peak memory of a block: CUDA allocator or sampled CPU RSS.

    `peak_bytes` is above the baseline at entry, so it counts what the block added.
    """

    def __init__(self, device: str = "cpu", interval_s: float = 0.02):
        self.device = device
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.source = "cuda max_memory_allocated" if device.startswith("cuda") else "CPU resident memory, sampled"
        self._stop = threading.Event()
        self._process = psutil.Process(os.getpid())

    def current(self) -> int:
        """Bytes above the baseline right now (for live step events)."""
        if self.device.startswith("cuda"):
            import torch
            return int(torch.cuda.memory_allocated() - self._baseline)
        return max(0, self._process.memory_info().rss - self._baseline)

    def __enter__(self) -> "PeakMemory":
        if self.device.startswith("cuda"):
            import torch
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._baseline = torch.cuda.memory_allocated()
        else:
            self._baseline = self._process.memory_info().rss
            self._rss_peak = self._baseline
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._rss_peak = max(self._rss_peak, self._process.memory_info().rss)
            time.sleep(self.interval_s)

    def __exit__(self, *exc) -> None:
        if self.device.startswith("cuda"):
            import torch
            torch.cuda.synchronize()
            self.peak_bytes = int(torch.cuda.max_memory_allocated() - self._baseline)
        else:
            self._stop.set()
            self._thread.join()
            self._rss_peak = max(self._rss_peak, self._process.memory_info().rss)
            self.peak_bytes = int(self._rss_peak - self._baseline)
