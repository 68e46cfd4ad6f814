"""Training on the tokens, not the padding: each batch's texts packed into one row inside the encoder.

A batch of texts is padded to its longest; over the default comparison's 72 random batches of tweets
the encoder would compute 58,144 positions for 34,918 tokens (1.67x). Every part of a BERT-style layer
but attention treats each position on its own, so `packed(model)` has the encoder run its layers on the
real tokens only, laid end to end in one row, and gives attention each text back as its own padded row:

    embeddings [rows, length, hidden]  ->  the real tokens [1, tokens, hidden]  ->  every layer's linears,
    layer norms, dropout and feed-forward on those tokens; attention scatters q, k, v back to
    [rows, heads, length, dim], masks the padding and gathers the real tokens again  ->  the last hidden
    state padded again, so the pooler, the head and the loss see what they always saw.

Attention itself is written out (`_Attention`: fp32, with dropout), since SDPA on the CPU has no kernel
that drops: its fallback draws one random float per score and keeps more for backward. The real tokens'
values are those of the padded forward (the same operations on the same numbers, to rounding;
tests/test_packing.py compares them, gradients too). The model, the Trainer, the batches and the saved
weights are those of an ordinary run: inside the context the config names the packed attention
(registered with transformers' `AttentionInterface`; plain SDPA for a call that carries no packing) and
on exit it names what it named before; the hooks go and the model's own dropout modules come back.

One more measure rides along, about randomness rather than values: dropout, the model's modules and
attention's alike, draws its masks from 16 random bits an entry (`_keep`), which the CPU makes 4-5x
faster than torch's one float an entry. Dropout's masks therefore differ from a padded run's, as they
would with another seed. Models whose layers are not known to act per token train padded. Memory: the
ledger's worst case (every text at max_length) packs nothing and trains as SDPA does; a packed step
keeps less than that (its attention 5 bytes per score against SDPA's 8, and fewer tokens), tested.
"""
from __future__ import annotations

import contextlib

import torch

# EXPORT:BODY
# Packed training, as the lab trains (its lab/kinds/finetune/packing.py): inside `with packed(model):` the
# encoder's layers run on each batch's real tokens only, one row of them; attention sees each text padded
# again, and the dropout modules draw their masks from 16 random bits an entry. Values and gradients are
# the padded batch's.
PACKED_ATTENTION = "lab_packed"
PACKABLE_TYPES = ("bert", "roberta")  # encoders whose layers act per token except in attention (tested)


def _packed_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, packing=None, **kwargs):
    """Attention on packed q, k, v [1, heads, tokens, dim]: each text back in its own padded row for attention."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if packing is None:  # a padded call (scoring, generation): plain SDPA
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    index, spread, blocked = packing
    rows, length = blocked.shape[0], blocked.shape[-1]
    dtype = (torch.get_autocast_dtype(query.device.type) if torch.is_autocast_enabled(query.device.type)
             else torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype))

    def padded(x):  # [1, heads, tokens, dim] -> [rows, heads, length, dim], zeros where the padding was
        x = _spread(x[0].transpose(0, 1).to(dtype), spread)
        return x.view(rows, length, x.shape[1], x.shape[2]).transpose(1, 2)

    out = _Attention.apply(padded(query), padded(key), padded(value), blocked,
                           scaling if scaling is not None else query.shape[-1] ** -0.5, dropout)
    out = out.transpose(1, 2)  # [rows, length, heads, dim]
    return out.reshape(rows * length, *out.shape[2:]).index_select(0, index).unsqueeze(0), None


class _Attention(torch.autograd.Function):
    """softmax(q k^T * scale + blocked) with dropout p, times v, for q, k, v [rows, heads, length, dim], in fp32
    whatever their dtype (as SDPA's CPU fallback computes them; bf16 scores cost LoRA accuracy for no
    measurable speed). It keeps q, k, v as they came, the fp32 probabilities and dropout's one-byte mask
    for backward (5 bytes per score) and draws the mask as `_dropout` does; dropout's 1 / (1 - p) goes on
    the [.., length, dim] tensors, not the score-sized ones. SDPA's CPU kernel cannot drop: its fallback
    draws one random float per score and keeps 8 bytes per score; written out, packed training of MiniLM
    is 1.09x faster in bf16 and 1.06x in fp32 (BENCHMARKS.md)."""

    @staticmethod
    def forward(ctx, q, k, v, blocked, scale: float, p: float):
        with torch.autocast(q.device.type, enabled=False):
            q32, k32, v32 = q.float(), k.float(), v.float()
            probs = torch.softmax(torch.matmul(q32, k32.transpose(-1, -2)).mul_(scale).add_(blocked), -1)
            keep = _keep(probs.shape, p, probs.device) if p > 0 else None
            out = torch.matmul(probs if keep is None else probs * keep, v32)
            if keep is not None:  # dropout's 1 / (1 - p) on the output: [.., dim] rather than [.., length]
                out.mul_(1.0 / (1.0 - p))
        ctx.save_for_backward(q, k, v, probs, keep)
        ctx.scale, ctx.p = scale, p
        return out.to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        q, k, v, probs, keep = ctx.saved_tensors
        with torch.autocast(q.device.type, enabled=False):
            q32, k32, v32, grad = q.float(), k.float(), v.float(), grad.float()
            if keep is not None:
                grad = grad * (1.0 / (1.0 - ctx.p))
            grad_v = torch.matmul((probs if keep is None else probs * keep).transpose(-1, -2), grad)
            grad_probs = torch.matmul(grad, v32.transpose(-1, -2))
            if keep is not None:
                grad_probs.mul_(keep)
            grad_scores = (grad_probs - (grad_probs * probs).sum(-1, keepdim=True)).mul_(probs).mul_(ctx.scale)
            grad_q = torch.matmul(grad_scores, k32)
            grad_k = torch.matmul(grad_scores.transpose(-1, -2), q32)
        return grad_q.to(q.dtype), grad_k.to(k.dtype), grad_v.to(v.dtype), None, None, None


def _spread(tokens, spread):
    """[tokens, ...] -> [positions, ...]: position i holds token spread[i], or zeros where spread[i] == tokens.
    A gather (its backward keeps only the index), where index_copy's would keep the tokens themselves."""
    zeros = tokens.new_zeros(1, *tokens.shape[1:])
    return torch.cat([tokens, zeros]).index_select(0, spread)


def _keep(shape, p: float, device) -> torch.Tensor:
    """Dropout's keep mask from 16 random bits an entry (4 per 64-bit draw): True where they are at least
    round(p * 65536), so an entry drops with probability p to within 1/65536. torch's bernoulli_ draws one
    float an entry and is 4-5x slower on the CPU for the same mask."""
    n = 1
    for size in shape:
        n *= size
    bits = torch.randint(-2 ** 63, 2 ** 63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=device)
    return bits.view(torch.int16)[:n].view(shape) >= round(p * 65536) - 32768


def _dropout(x, p: float):
    """Dropout with `_keep`'s mask: the dropped entries zeroed, the kept scaled by 1 / (1 - p) (`where` keeps
    only the mask for its backward)."""
    return torch.where(_keep(x.shape, p, x.device), x, 0.0).mul_(1.0 / (1.0 - p))


class FastDropout(torch.nn.Module):
    """nn.Dropout with `_dropout`'s mask: swapped in for the model's dropouts while it trains packed."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        return _dropout(x, self.p) if self.training and self.p > 0 else x


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(PACKED_ATTENTION, _packed_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(PACKED_ATTENTION, sdpa_mask)  # padded calls get SDPA's mask


def packable_encoder(model):
    """The model's BERT-style encoder model (embeddings + encoder), or None where packing does not apply."""
    for module in model.modules():
        config = getattr(module, "config", None)
        if (hasattr(module, "embeddings") and hasattr(module, "encoder") and hasattr(module.encoder, "layer")
                and getattr(config, "model_type", None) in PACKABLE_TYPES and not config.is_decoder
                and config._attn_implementation in ("sdpa", PACKED_ATTENTION)):
            return module
    return None


class Tally:
    """What the encoder computed inside `packed`: the real tokens, and the padded positions they came in.
    True when packing applies to the model."""

    def __init__(self, active: bool):
        self.active, self.tokens, self.positions = active, 0, 0

    def __bool__(self) -> bool:
        return self.active


@contextlib.contextmanager
def packed(model, enabled: bool = True):
    """While inside, the model's encoder trains on its batches' real tokens only; yields a `Tally`."""
    encoder_model = packable_encoder(model) if enabled else None
    if encoder_model is None:
        yield Tally(False)
        return
    _register()
    config, state, tally = encoder_model.config, {}, Tally(True)

    def take_mask(module, args, kwargs):  # the [rows, length] padding mask the encoder model was called with
        state["mask"] = kwargs.get("attention_mask", args[1] if len(args) > 1 else None)

    def pack(module, args, kwargs):
        mask = state.pop("mask", None)
        hidden = args[0] if args else kwargs.pop("hidden_states")
        rows, length = hidden.shape[:2]
        tally.positions += rows * length
        if mask is None or mask.dim() != 2 or bool(mask.all()) or mask.shape != hidden.shape[:2]:
            tally.tokens += rows * length
            return None  # nothing to leave out: the layers run padded
        keep = mask.bool()
        index = keep.reshape(-1).nonzero().squeeze(1)  # position of each real token in the padded batch
        tally.tokens += len(index)
        spread = torch.full((rows * length,), len(index), dtype=torch.long, device=keep.device)
        spread[index] = torch.arange(len(index), device=keep.device)  # token at each position; padding: none
        kwargs["attention_mask"] = None
        blocked = torch.zeros(keep.shape, device=keep.device).masked_fill_(~keep, float("-inf"))
        kwargs["packing"] = (index, spread, blocked[:, None, None, :])  # -inf where a key is padding
        state["unpack"] = (spread, rows, length)
        rest = tuple(None if i == 0 else a for i, a in enumerate(args[1:]))  # a positional mask is dropped too
        return (hidden.reshape(rows * length, -1).index_select(0, index).unsqueeze(0), *rest), kwargs

    def unpack(module, args, kwargs, output):
        shape = state.pop("unpack", None)
        if shape is None:
            return None
        spread, rows, length = shape
        output.last_hidden_state = _spread(output.last_hidden_state[0], spread).view(rows, length, -1)
        return output

    hooks = [encoder_model.register_forward_pre_hook(take_mask, with_kwargs=True),
             encoder_model.encoder.register_forward_pre_hook(pack, with_kwargs=True),
             encoder_model.encoder.register_forward_hook(unpack, with_kwargs=True)]
    swapped = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
               if type(child) is torch.nn.Dropout]
    for parent, name, child in swapped:
        setattr(parent, name, FastDropout(child.p).train(child.training))
    before, config._attn_implementation = config._attn_implementation, PACKED_ATTENTION
    try:
        yield tally
    finally:
        config._attn_implementation = before
        for hook in hooks:
            hook.remove()
        for parent, name, child in swapped:
            setattr(parent, name, child)
