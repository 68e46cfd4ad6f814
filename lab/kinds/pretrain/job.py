"""MLM pre-training: BertConfig + BertForMaskedLM + DataCollatorForLanguageModeling + Trainer on a corpus.

The corpus is tokenized with `datasets.map(batched=True)`, concatenated and cut into blocks; 10% of
the texts are held out for eval loss and perplexity, drawn against the unigram level (a model that
knows token frequencies and no context). A fill-mask probe is redrawn at every evaluation. The
model is saved as a run that the pipeline tab (fill-mask) and the fine-tuning tab can load.

    python -m lab pretrain --tokenizer run:<id> --hidden 128 --layers 2 --heads 2 --steps 300 --json pre.json
"""
from __future__ import annotations

import functools
import math
import time

from lab import limits, resources
from lab.config import PRETRAIN_INITS, PretrainConfig
from lab.errors import LabError
from lab.kinds import tokenizer as tokenization
from lab.store import run_folder

MAX_STEPS = limits.PRETRAIN_MAX_STEPS
MAX_PARAMS = 30_000_000          # a scratch model beyond this does not learn anything in a lesson on 2 cores
MAX_BLOCK = 512
EVAL_BLOCKS = 256
MINILM_SHAPE = PretrainConfig(hidden=384, layers=6, heads=12, intermediate=1536, max_positions=512)                # enough masked tokens for a steady perplexity, quick to evaluate


# --- model shape ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def tokenizer_size(path: str) -> int:
    return len(prepare_tokenizer(tokenization.load_tokenizer(path)))


def resolve_tokenizer(name: str, log=None, viewer: str | None = None, allow_local: bool = False) -> str:
    """The tokenizer folder for a choice; "latest" is the viewer's newest usable tokenizer run, else MiniLM's."""
    if (name or "latest") == "latest":
        runs = tokenization.tokenizer_runs(viewer)
        if runs:
            if log:
                log(f"Using the newest trained tokenizer: {runs[0][0]}")
            return tokenization.tokenizer_path(runs[0][1])
        if log:
            log("No trained tokenizer yet: using MiniLM's 30,522-token vocabulary")
        return tokenization.tokenizer_path("minilm")
    return tokenization.tokenizer_path(name, viewer, allow_local=allow_local)


def latest_tokenizer(viewer: str) -> str:
    """What "latest" means for this viewer, as a fixed reference (the job must not pick another's later)."""
    runs = tokenization.tokenizer_runs(viewer)
    return runs[0][1] if runs else "minilm"


def count_parameters(cfg: PretrainConfig, vocab: int) -> int:
    """BertForMaskedLM's parameter count from its config (the decoder shares the word embeddings)."""
    h, i, p = cfg.hidden, cfg.intermediate, cfg.max_positions
    embeddings = vocab * h + p * h + 2 * h + 2 * h             # words, positions, 2 segments, LayerNorm
    layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 2 * (2 * h)  # q k v o, feed-forward, 2 LayerNorms
    head = (h * h + h) + 2 * h + vocab                         # transform, LayerNorm, decoder bias
    return embeddings + cfg.layers * layer + head


def predicted_memory(cfg: PretrainConfig, params: int, vocab: int) -> int:
    """Weights + gradients + AdamW (16 B per parameter) + activations (the ledger's rule of thumb) + logits."""
    tokens = cfg.batch_size * cfg.block_size
    per_layer = 4 * (10 * tokens * cfg.hidden + 2 * tokens * cfg.intermediate
                     + 2 * cfg.batch_size * cfg.heads * cfg.block_size ** 2)
    logits = 4 * 3 * tokens * vocab  # (B, T, V) scores, their softmax and its gradient
    return 16 * params + cfg.layers * per_layer + logits


def validate(cfg: PretrainConfig, vocab: int) -> int:
    """The parameter count, or a LabError naming the setting to change."""
    if cfg.init not in PRETRAIN_INITS:
        raise LabError(f"Unknown starting point '{cfg.init}'; pick scratch or minilm.")
    for name, value, low, high in (("hidden size", cfg.hidden, 8, 1024), ("number of layers", cfg.layers, 1, 12),
                                   ("number of heads", cfg.heads, 1, 16), ("block size", cfg.block_size, 8, MAX_BLOCK),
                                   ("intermediate size", cfg.intermediate, 8, 4096),
                                   ("batch size", cfg.batch_size, 1, 256), ("number of steps", cfg.steps, 1, MAX_STEPS)):
        if not low <= int(value) <= high:
            raise LabError(f"A {name} of {value} is out of range; choose between {low} and {high:,}.")
    if cfg.hidden % cfg.heads:
        raise LabError(f"{cfg.heads} heads do not divide the hidden size {cfg.hidden}; "
                       f"pick a hidden size that is a multiple of {cfg.heads}.")
    if cfg.max_positions < cfg.block_size:
        raise LabError(f"Max positions ({cfg.max_positions}) must be at least the block size ({cfg.block_size}).")
    if cfg.vocab_size and cfg.vocab_size != vocab:
        raise LabError(f"The vocabulary size {cfg.vocab_size:,} does not match the tokenizer's {vocab:,} tokens; "
                       "set it to 0 to take the tokenizer's size.")
    if not 0.01 <= cfg.mlm_probability <= 0.9:  # NaN fails too
        raise LabError("The masking probability must be between 0.01 and 0.9 (0.15 is BERT's choice).")
    if not 0 < cfg.learning_rate <= 0.1:  # written so that NaN fails too
        raise LabError("The learning rate must be above 0 and at most 0.1 (try 0.002).")
    if not 0.0 <= cfg.dropout < 0.9:
        raise LabError("Dropout must be between 0 and 0.9 (BERT uses 0.1).")
    if cfg.eval_every < 1:
        raise LabError("Evaluate at least every step (eval every ≥ 1).")
    params = count_parameters(cfg, vocab)
    if cfg.init == "scratch" and params > MAX_PARAMS:
        raise LabError(f"This model has {params / 1e6:.1f}M parameters; the lab trains at most "
                       f"{MAX_PARAMS / 1e6:.0f}M from scratch, so make it smaller or use a smaller vocabulary.")
    memory = predicted_memory(cfg, params, vocab)
    if memory > limits.memory_budget():
        raise LabError(f"Training would need about {memory / 1024 ** 3:.1f} GB; the lab's memory budget is "
                       f"{limits.memory_budget() / 1024 ** 3:.1f} GB, so lower the batch size or the block size.")
    return params


def describe(cfg: PretrainConfig, viewer: str = "", allow_local: bool = False) -> dict:
    """What the page shows as the fields change: vocabulary, parameters, memory, or the refusal sentence."""
    try:
        if cfg.init == "minilm":
            return {"vocab": 30522, "params": count_parameters(MINILM_SHAPE, 30522), "error": None,
                    "note": "MiniLM's own shape (6 layers, hidden 384, 12 heads, its 30,522-token vocabulary); "
                            "the shape fields are ignored."}
        vocab = tokenizer_size(resolve_tokenizer(cfg.tokenizer, viewer=viewer, allow_local=allow_local))
        params = validate(cfg, vocab)
        return {"vocab": vocab, "params": params, "memory": predicted_memory(cfg, params, vocab),
                "error": None, "note": ""}
    except LabError as exc:
        return {"vocab": None, "params": None, "error": str(exc), "note": ""}


# --- data -------------------------------------------------------------------------------------------
def make_blocks(texts: list[str], tokenizer, block_size: int) -> list[list[int]]:
    """Tokenize with datasets.map(batched=True), concatenate, cut into full blocks (the tail is dropped)."""
    import datasets

    ds = datasets.Dataset.from_dict({"text": texts})
    ds = ds.map(lambda batch: {"input_ids": tokenizer(batch["text"])["input_ids"]}, batched=True,
                remove_columns=["text"], desc=None)

    def group(batch):
        joined = [t for ids in batch["input_ids"] for t in ids]
        cut = len(joined) // block_size * block_size
        return {"input_ids": [joined[i:i + block_size] for i in range(0, cut, block_size)]}

    ds = ds.map(group, batched=True, batch_size=1000)
    return ds["input_ids"]


def prepare_tokenizer(tokenizer):
    """A byte-level BPE tokenizer has no mask (nor always a pad) token: add them, as RoBERTa does."""
    added = {}
    if tokenizer.mask_token is None:
        added["mask_token"] = "<mask>"
    if tokenizer.pad_token is None:
        added["pad_token"] = "<pad>"
    if added:
        tokenizer.add_special_tokens(added)
    return tokenizer


def build_model(cfg: PretrainConfig, tokenizer):
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(cfg.seed)
    if cfg.init == "minilm":
        return BertForMaskedLM.from_pretrained(resources.minilm_path())
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=cfg.hidden, num_hidden_layers=cfg.layers,
                        num_attention_heads=cfg.heads, intermediate_size=cfg.intermediate,
                        max_position_embeddings=cfg.max_positions, pad_token_id=tokenizer.pad_token_id,
                        hidden_dropout_prob=cfg.dropout, attention_probs_dropout_prob=cfg.dropout)
    return BertForMaskedLM(config)


# --- the job ----------------------------------------------------------------------------------------
def probe_callback(ctx, tokenizer, sentence: str):
    """Adds eval perplexity to the eval logs (before EventCallback emits them) and redraws the probe."""
    from transformers import TrainerCallback

    from lab.kinds.pretrain.mlm import fill_mask

    class ProbeCallback(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "eval_loss" in logs:
                logs["eval_perplexity"] = math.exp(min(float(logs["eval_loss"]), 50.0))

        def on_evaluate(self, args, state, control, model=None, **kwargs):
            ctx.emit("probe", step=state.global_step, sentence=sentence,
                     predictions=fill_mask(model, tokenizer, sentence))

    return ProbeCallback()


def pretrain_job(cfg: PretrainConfig, ctx) -> dict:
    import dataclasses

    from transformers import Trainer

    from lab.kinds.pretrain.mlm import MASK_WORD, MaskingCollator, fix_masks, mask_preview, unigram_perplexity
    from lab.metrics import TensorMemory
    from lab.training import MEMORY_STEPS, EventCallback, MemoryCallback, device, quiet, training_args

    if MASK_WORD not in (cfg.probe or ""):
        raise LabError(f"Put {MASK_WORD} in the probe sentence where the model should guess a word.")
    if cfg.init == "minilm":
        ctx.log("Continuing MiniLM's pre-training: its encoder is trained, its MLM head starts untrained")
        tok_path = tokenization.tokenizer_path("minilm")
        shape = dataclasses.replace(cfg, **{k: getattr(MINILM_SHAPE, k) for k in
                                            ("hidden", "layers", "heads", "intermediate", "max_positions")}, vocab_size=0)
    else:
        tok_path, shape = resolve_tokenizer(cfg.tokenizer, ctx.log, allow_local=True), cfg  # checked at submit
    tokenizer = prepare_tokenizer(tokenization.load_tokenizer(tok_path))
    params = validate(shape, len(tokenizer))
    ctx.log("Tokenizing the corpus with datasets.map(batched=True) and cutting it into blocks")
    train_texts, held_texts = tokenization.split_corpus(tokenization.corpus_texts(cfg.corpus))
    train_blocks = make_blocks(train_texts, tokenizer, shape.block_size)
    eval_blocks = make_blocks(held_texts, tokenizer, shape.block_size)[:EVAL_BLOCKS] if held_texts else []
    if not train_blocks:
        n = sum(len(ids) for ids in tokenizer(train_texts + held_texts)["input_ids"])
        raise LabError(f"The corpus has {n:,} tokens, not enough to fill one block of {shape.block_size}; "
                       "add more text or lower the block size.")
    if not eval_blocks:  # a tiny corpus: hold out its last block rather than evaluate on nothing
        eval_blocks = train_blocks[-1:]
        train_blocks = train_blocks[:-1] or eval_blocks
    eval_features = fix_masks(tokenizer, eval_blocks, cfg.mlm_probability, seed=cfg.seed + 1)
    special = set(tokenizer.all_special_ids)
    unigram = unigram_perplexity(train_blocks, eval_features, len(tokenizer), special)
    ctx.emit("reference", unigram_perplexity=round(unigram, 2), train_blocks=len(train_blocks),
             eval_blocks=len(eval_blocks), block_size=shape.block_size, vocab=len(tokenizer))
    ctx.emit("mask_preview", tokens=mask_preview(tokenizer, held_texts[0] if held_texts else train_texts[0],
                                                 cfg.mlm_probability, seed=cfg.seed))
    # measured from before the weights exist: weights, gradients, AdamW state and activations
    memory = TensorMemory(device(), steps=MEMORY_STEPS).start()
    try:
        model = build_model(shape, tokenizer)
    except BaseException:
        memory.stop()
        raise
    actual = sum(p.numel() for p in model.parameters())
    ctx.emit("model", params=actual, predicted_params=params, vocab=len(tokenizer))
    ctx.log(f"{actual:,} parameters; {len(train_blocks):,} training blocks of {shape.block_size} tokens")

    run_dir = run_folder(ctx.job_id, create=True)
    args = training_args(str(run_dir / "trainer"), cfg.steps, cfg.batch_size, cfg.learning_rate, cfg.seed,
                         warmup_steps=cfg.warmup_steps, eval_strategy="steps", eval_steps=cfg.eval_every,
                         weight_decay=0.01)
    try:
        events = EventCallback(ctx)
        trainer = quiet(Trainer(model=model, args=args, train_dataset=[{"input_ids": b} for b in train_blocks],
                                eval_dataset=eval_features,
                                data_collator=MaskingCollator(tokenizer, cfg.mlm_probability),
                                callbacks=[probe_callback(ctx, tokenizer, cfg.probe), events,
                                           MemoryCallback(memory)]))  # quiet: jobs report through events
        trainer.evaluate()  # step 0: the untrained model's perplexity and probe
        started = time.perf_counter()
        if not ctx.cancelled:
            trainer.train()
        seconds = time.perf_counter() - started
        if events.last_step % cfg.eval_every and not ctx.cancelled:
            trainer.evaluate()
    finally:
        memory.stop()
    if ctx.cancelled and not events.last_step:
        return {}  # stopped before its first step: no training to keep
    # Stopped or not, the model as trained so far is saved and offered; a stopped run skips the final
    # evaluation (a stop should be quick), so its last perplexity is the one measured at final_eval_step.
    model.save_pretrained(str(run_dir / "model"))
    tokenizer.save_pretrained(str(run_dir / "model"))
    what = "MiniLM, MLM continued" if cfg.init == "minilm" else f"BERT {shape.layers}×{shape.hidden}"
    stopped = " (stopped)" if ctx.cancelled else ""
    ppl = [[e["step"], round(e["eval_perplexity"], 2)] for e in events.evals if "eval_perplexity" in e]
    return {
        "stopped": ctx.cancelled, "final_eval_step": ppl[-1][0] if ppl else None,
        "params": actual, "vocab": len(tokenizer), "steps": events.last_step, "seconds": round(seconds, 2),
        "precision": events.precision,
        "seconds_per_step": round(seconds / max(events.last_step, 1), 4), "peak_memory_bytes": memory.peak_bytes,
        "train_loss": [[s, round(v, 4)] for s, v in events.losses],
        "eval_perplexity": ppl, "final_eval_perplexity": ppl[-1][1] if ppl else None,
        "unigram_perplexity": round(unigram, 2), "train_blocks": len(train_blocks), "eval_blocks": len(eval_blocks),
        "tokenizer": tok_path, "model_path": str(run_dir / "model"),
        "models": [{"ref": f"run:{ctx.job_id}", "task": "fill-mask",
                    "label": f"{what}, {events.last_step} MLM steps{stopped} on "
                             f"{tokenization.corpus_label(cfg.corpus)} ({ctx.job_id[:6]})"}],
    }


def preview_masking(cfg: PretrainConfig, text: str, viewer: str = "") -> list[dict]:
    """The masking preview for the page, with the tokenizer the run would use (runs the viewer may read)."""
    from lab.kinds.pretrain.mlm import mask_preview

    path = (tokenization.tokenizer_path("minilm") if cfg.init == "minilm"
            else resolve_tokenizer(cfg.tokenizer, viewer=viewer))
    tokenizer = prepare_tokenizer(tokenization.load_tokenizer(path))
    return mask_preview(tokenizer, text, cfg.mlm_probability, seed=cfg.seed)
