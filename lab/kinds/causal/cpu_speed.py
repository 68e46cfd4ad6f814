"""What the lab does to train a causal LM fast on a CPU, beside bf16 autocast: the exported causal train.py
includes everything below EXPORT:BODY as it is, so a run exported from the SFT and DPO tab trains as the
lab trained it.

- `score_loss_tokens_only`: trl's fused LM head projects only the positions that carry a label (about 4%
  of SFT's positions), on the CPU too.
- `accumulate_lm_head_in_blocks`: in bf16 that head adds its gradient products into fp32 a block of the
  vocabulary at a time instead of upcasting 32,768-row chunks whole.
- `choose_attention`: eager attention in bf16 on the CPU while its kept probabilities stay small.
- `frozen_weights_in_bf16`: LoRA's frozen weights (and DPO's reference) as bf16 copies while training, made
  once instead of at every forward.
- `generate_in_bf16`: the policy's own generate (which trl's GRPO and RLOO call outside autocast to sample
  completions) in bf16 autocast with those copies.

Each leaves the numbers autocast would give (tests/test_sft.py, tests/test_precision.py) and does nothing in
fp32 or on a GPU, except the first, which changes which positions are computed, not the loss. The body
uses only torch, trl and `precision()`, which the lab takes from lab/training.py and the exported script
from its own copy of the same rule (lab/export/templates/precision.py).
"""
from __future__ import annotations

import contextlib
import functools

import torch

from lab.training import precision

# EXPORT:BODY
# Causal LM training on a CPU as the lab does it (its lab/kinds/causal/cpu_speed.py): trl's fused LM head
# scores only the labelled positions and adds its bf16 gradient into fp32 a block at a time; in bf16,
# eager attention while its kept scores are small, and bf16 copies of the frozen weights.


def score_loss_tokens_only() -> bool:
    """Make trl's fused LM head score only the positions that carry a label on the CPU too.

    trl's SFT and DPO trainers replace the model's LM head with a chunked log-probability function. On
    CUDA it projects only the hidden states of positions with a label; elsewhere it projects every position
    and masks the result afterwards (on XLA-like devices a varying count would recompile). On the CPU
    nothing recompiles, and with SFT's default data about 4% of positions carry a label: projecting the
    other 96% onto SmolLM2's 49,152-token vocabulary, forward and backward, was about 30% of a step.
    Which positions are projected is decided by `trl.trainer.utils._use_triton`; this wraps it to answer
    yes for the CPU (the kernels themselves read their own copy and keep their torch fallback). The loss
    and the logged metrics are the same either way (tests/test_sft.py compares them). Returns whether the
    hook was found: a trl without it leaves the slower path in place.
    """
    import trl.trainer.utils as trl_utils

    original = getattr(trl_utils, "_use_triton", None)
    if original is None or getattr(original, "lab_cpu_compact", False):
        return original is not None

    def use_compact(device) -> bool:
        return device.type == "cpu" or original(device)

    use_compact.lab_cpu_compact = True
    trl_utils._use_triton = use_compact
    return True


LM_HEAD_BLOCK_ROWS = 4096  # vocabulary rows upcast at a time: 4096 x 576 fp32 is 9 MB


def accumulate_lm_head_in_blocks() -> bool:
    """Make trl's fused LM head add its bf16 gradient products into fp32 a block at a time on the CPU.

    The backward of trl's chunked log-probabilities adds `tile @ w_chunk` (logits gradient times a
    vocabulary chunk of the head) into an fp32 gradient without rounding the product to bf16 first, which
    trl found biases training. On CUDA one addmm with an fp32 output does that; elsewhere trl upcasts both
    operands whole, so in bf16 a 32,768 x 576 chunk of SmolLM2's head becomes a 75 MB fp32 copy, twice a
    step, for a product with only the labelled positions as rows, where fp32 training needs no copy at
    all. This adds the very same products in fp32 over blocks of LM_HEAD_BLOCK_ROWS vocabulary rows, each
    upcast while it is in cache: 17-18 ms a step against trl's 25-34 ms, of a 510-540 ms bf16 SFT step on
    the development machine. The sum differs from trl's only in the order of its fp32 additions
    (tests/test_sft.py). Other devices, fp32 operands and short products keep trl's own function. Returns
    whether trl's function was found.
    """
    import trl.kernels.chunked_logprob as chunked

    original = getattr(chunked, "_addmm_fp32", None)
    if original is None or getattr(original, "lab_blocked", False):
        return original is not None

    def blocked(acc, a, b):
        inner = a.shape[1]
        if acc.device.type != "cpu" or inner <= LM_HEAD_BLOCK_ROWS or a.dtype == b.dtype == torch.float32:
            return original(acc, a, b)
        for start in range(0, inner, LM_HEAD_BLOCK_ROWS):
            end = start + LM_HEAD_BLOCK_ROWS
            acc.addmm_(a[:, start:end].float(), b[start:end].float())

    blocked.lab_blocked, blocked.trl_original = True, original
    chunked._addmm_fp32 = blocked
    return True


EAGER_ATTENTION_BYTES = 256 * 2**20  # what eager attention may keep for the backward, over all layers
EAGER_BF16_BYTES_PER_SCORE = 6.5  # what it keeps per score in bf16: lab.metrics.EAGER_BYTES_PER_SCORE["bf16"]


def choose_attention(model, sequences: int, max_length: int, chosen: str | None = None) -> str:
    """Train on the CPU with eager attention in bf16 when its score matrices are small, else keep SDPA; returns
    the choice.

    On this CPU (AVX512-BF16, torch 2.13) SDPA's fused kernel is as fast as eager attention in fp32 but
    its bf16 backward is slower: a SmolLM2 LoRA step (batch 4) ran 1.06-1.19x faster with eager attention
    at 48, 128, 256 and 512 tokens; bench/sft.py's plain reference prints both at SFT's default shape,
    and the lab's SFT step at its defaults went from 0.77 to 0.60 s. Eager keeps each layer's attention
    probabilities for the backward, which SDPA never holds (EAGER_BF16_BYTES_PER_SCORE, as the memory
    ledger counts them), so it is used only while `sequences` x heads x `max_length`^2 x layers of them
    stay under EAGER_ATTENTION_BYTES: the defaults (4 sequences, or DPO's 8, of at most 128 tokens) keep
    115-230 MB; a batch of 64 at 1,024 tokens keeps SDPA.
    """
    config = model.config
    heads = getattr(config, "num_attention_heads", None)
    layers = getattr(config, "num_hidden_layers", None)
    current = getattr(config, "_attn_implementation", None)
    if ((chosen or precision()) != "bf16" or torch.cuda.is_available() or not heads or not layers
            or current not in ("sdpa", "eager")):
        return current  # on a GPU SDPA's fused kernels win at every length
    kept = EAGER_BF16_BYTES_PER_SCORE * sequences * heads * max_length ** 2 * layers
    wanted = "eager" if kept <= EAGER_ATTENTION_BYTES else "sdpa"
    if wanted != current:
        model.set_attn_implementation(wanted)
    return wanted


@contextlib.contextmanager
def frozen_weights_in_bf16(*models, chosen: str | None = None):
    """While training in bf16, give every frozen linear layer of `models` (None is skipped) a bf16 copy of its
    weight; put the fp32 weights back after.

    Autocast rounds a linear layer's fp32 weight to bf16 at every forward anyway, and caches that copy only
    for weights that train; a frozen one (LoRA's base, DPO's reference) is cast again each time it is used,
    and trl's fused LM head casts the tied 49,152 x 576 head of SmolLM2 three times a step. Measured on a
    SmolLM2 LoRA step here, that casting was 7-12% of the step. With the copy made once the matmuls see the
    very same bf16 values, so the numbers are autocast's. The fp32 weights wait untouched and are restored
    on exit, before anything is saved or merged. A tied LM head gets its own bf16 copy while the embedding
    keeps reading the fp32 table (both are frozen, so they cannot drift apart), and is tied again on exit.
    Weights that train, 4-bit ones and biases are left alone. Yields how many weights were copied (0 in fp32).
    """
    if (chosen or precision()) != "bf16":
        yield 0
        return
    kept = []
    for model in models:
        for module in model.modules() if model is not None else ():
            weight = getattr(module, "weight", None)
            if (isinstance(module, torch.nn.Linear) and isinstance(weight, torch.nn.Parameter)
                    and weight.dtype == torch.float32 and not weight.requires_grad):
                kept.append((module, weight))
                module.weight = torch.nn.Parameter(weight.detach().to(torch.bfloat16), requires_grad=False)
    try:
        yield len(kept)
    finally:
        for module, weight in kept:
            module.weight = weight


def generate_in_bf16(model) -> bool:
    """While training in bf16 on the CPU, make `model.generate` sample under bf16 autocast with bf16 copies of
    the frozen weights (frozen_weights_in_bf16, made once per call, not once per new token).

    trl's GRPOTrainer and RLOOTrainer sample each step's completions with the policy's generate outside the
    Trainer's autocast, so in fp32, while the training forward that scores those same tokens runs in bf16:
    sampling in bf16 draws from the very distribution the step optimises. Measured here on SmolLM2 with LoRA
    (8 completions of 10 tokens): 0.93 s against 1.45 s in fp32, 1.20 s with autocast alone. Returns whether
    it did (not in fp32, not on a GPU).
    """
    if precision() != "bf16" or torch.cuda.is_available():
        return False
    generate = model.generate

    @functools.wraps(generate)
    def bf16_generate(*args, **kwargs):
        with frozen_weights_in_bf16(model), torch.autocast("cpu", dtype=torch.bfloat16):
            return generate(*args, **kwargs)
    model.generate = bf16_generate
    return True
