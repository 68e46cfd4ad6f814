"""QLoRA: the base loaded in 4-bit NF4 by bitsandbytes (computing in the lab's precision), LoRA on top.

The new classifier is kept out of quantisation (`llm_int8_skip_modules`): a 4-bit head cannot be
trained and its forward fails on CPU. Gradient checkpointing stays off: on CPU it only costs time.
"""
from __future__ import annotations

import lab.kinds.finetune.methods.lora as lora
from lab.kinds.finetune.methods.bnb import bitsandbytes
from lab.kinds.finetune.methods.common import HEAD_PREFIXES

NAME = "qlora"
LABEL = "QLoRA (4-bit NF4 + LoRA)"
LEARNING_RATE = 5e-3
EXPORT = None
NO_EXPORT_REASON = ("its base is 4-bit: merging would round the update into NF4, so only the adapter is "
                    "saved (load it on the 4-bit base)")


def load_kwargs(cfg) -> dict:
    import torch
    from transformers import BitsAndBytesConfig

    from lab.training import precision

    bitsandbytes()  # a sentence, not an ImportError, where it cannot run
    cuda = torch.cuda.is_available()
    # The 4-bit kernels compute in the lab's precision (lab.training.precision): bf16 where the machine
    # has it (on this CPU 1.3x faster per step than fp32 compute under autocast), else fp32. Double
    # quantisation (the absmax scales stored in 8 bits, as in the QLoRA paper) on CUDA; on CPU single
    # quantisation, which its CPU kernels handle fastest.
    compute = torch.bfloat16 if precision() == "bf16" else torch.float32
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                               bnb_4bit_compute_dtype=compute, bnb_4bit_use_double_quant=cuda,
                               llm_int8_skip_modules=list(HEAD_PREFIXES))
    return {"quantization_config": quant, "dtype": torch.float32}


def training_overrides() -> dict:
    """QLoRA's paged AdamW on CUDA (optimizer state pages out to host memory at a spike); none on CPU."""
    import torch
    return {"optim": "paged_adamw_32bit"} if torch.cuda.is_available() else {}


def check(model, cfg) -> None:
    bitsandbytes()
    lora.check(model, cfg)


def own_storage(model) -> None:
    """Give each weight left in fp32 (embeddings, norms, head) its own storage.

    transformers reads the checkpoint into one buffer and the unquantised weights stay views of it, so
    the whole fp32 checkpoint would stay alive beside its 4-bit copy (measured: 91 MB for MiniLM's 54).
    """
    for param in model.parameters():
        if param.__class__.__name__ != "Params4bit":
            param.data = param.data.clone()


def prepare(model, cfg):
    from peft import prepare_model_for_kbit_training

    own_storage(model)
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    for module in model.modules():
        # bitsandbytes repacks 4-bit weights for a faster CPU kernel at inference, which needs
        # out_features divisible by 32 and in_features by the block size; smaller layers (the tests'
        # tiny model) keep the plain path.
        state = getattr(getattr(module, "weight", None), "quant_state", None)
        if hasattr(module, "support_avx512bf16_for_cpu") and state is not None and (
                state.shape[0] % 32 or state.shape[1] % state.blocksize):
            module.support_avx512bf16_for_cpu = False
    return lora.prepare(model, cfg)


def quantised_bytes(model) -> dict:
    """Bytes of the 4-bit linear weights (packed values + absmax scales) beside the same weights in fp32."""
    from lab.metrics import quant_state_bytes

    packed = fp32 = 0
    seen = set()
    for module in model.modules():
        weight = getattr(module, "weight", None)
        state = getattr(weight, "quant_state", None)
        if state is None or weight.data_ptr() in seen:
            continue  # peft's LoRA wrapper exposes its base layer's weight again: count it once
        seen.add(weight.data_ptr())
        packed += weight.numel() * weight.element_size() + quant_state_bytes(state)
        fp32 += 4 * state.shape.numel()
    return {"quantised_linear_bytes": packed, "fp32_linear_bytes": fp32,
            "quantised_fraction": packed / fp32 if fp32 else None}
