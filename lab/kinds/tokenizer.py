"""Tokenizer training and its statistics: retrain MiniLM's WordPiece or SmolLM2's byte-level BPE on a corpus.

`train_new_from_iterator` keeps the base's algorithm, normaliser and special tokens and learns a
new vocabulary from batches of texts. The job compares the new tokenizer with its base on held-out
texts (tokens per text, shared vocabulary, the new words) and saves it as a run, with a zip.

    python -m lab tokenizer --base minilm --vocab-size 8000 --json tok.json
"""
from __future__ import annotations

import collections
import shutil
import time
import unicodedata
from pathlib import Path

from lab import limits, resources, sources
from lab.config import MAX_VOCAB_SIZE, TOKENIZER_BASES, TokenizerConfig
from lab.errors import Cancelled, LabError
from lab.store import run_folder

MIN_VOCAB_SIZE = 100        # below this the alphabet alone does not fit
MAX_CORPUS_TEXTS = limits.MAX_CORPUS_TEXTS
HELD_OUT_FRACTION = 0.1
HELD_OUT_MAX = 2000         # enough texts for a stable average, quick to tokenize
NEW_TOKENS_SHOWN = 20
HANGUL_START, HANGUL_END = "\uac00", "\ud7a3"  # the precomposed syllables


# --- corpora ----------------------------------------------------------------------------------------
def corpus_texts(corpus: str) -> list[str]:
    """The texts of a corpus choice: "tweets", an uploaded file, or a Hub dataset id (online); see lab.sources.

    Jobs call this after the submit check has already refused typed paths, so local files pass here.
    """
    source = sources.resolve_data(corpus, allow_local=True)
    if source.kind == "builtin":
        from lab.data import tweet_texts
        texts = tweet_texts()
    elif source.kind in ("upload", "local"):
        from lab.data import read_upload
        texts = [str(row.get("text", "")) for row in read_upload(source.value)]
    else:
        from lab.data import hub_rows
        texts = [row["text"] for row in hub_rows(source.value, limit=MAX_CORPUS_TEXTS)]
    texts = [t.strip() for t in texts if isinstance(t, str) and t.strip()]
    if not texts:
        raise LabError("The corpus is empty; upload a file with at least one line of text.")
    return texts[:MAX_CORPUS_TEXTS]


def split_corpus(texts: list[str]) -> tuple[list[str], list[str]]:
    """Train texts and held-out texts (a fixed-seed 10%, at most HELD_OUT_MAX), never overlapping."""
    from lab.data import split_rows

    train, held = split_rows([{"text": t} for t in texts], eval_fraction=HELD_OUT_FRACTION)
    train_texts = [r["text"] for r in train] or [r["text"] for r in held]
    return train_texts, [r["text"] for r in held][:HELD_OUT_MAX]


# --- tokenizers -------------------------------------------------------------------------------------
def base_path(base: str) -> str:
    if base == "minilm":
        return resources.minilm_path()
    if base == "smollm2":
        return resources.smollm2_path()
    raise LabError(f"Unknown base tokenizer '{base}'; pick one of: {', '.join(TOKENIZER_BASES)}.")


def tokenizer_path(name: str, viewer: str | None = None, allow_local: bool = True) -> str:
    """A tokenizer choice (minilm, smollm2, run:<id> of a tokenizer run) as a folder to load (lab.sources)."""
    return sources.resolve_tokenizer(name, viewer=viewer, allow_local=allow_local)


def load_tokenizer(name_or_path: str, viewer: str | None = None):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tokenizer_path(name_or_path, viewer))


def has_hangul(texts) -> bool:
    return any(HANGUL_START <= ch <= HANGUL_END for text in texts for ch in text)


def keep_syllables(tok) -> None:
    """Turn off BERT-uncased's accent stripping, whose NFD step splits every Hangul syllable into jamo.

    Lower-casing stays; only a BertNormalizer is changed (byte-level BPE has no such step)."""
    from tokenizers import normalizers

    if isinstance(tok.backend_tokenizer.normalizer, normalizers.BertNormalizer):
        tok.backend_tokenizer.normalizer = normalizers.BertNormalizer(
            clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
        # saved in tokenizer_config.json too: on loading, transformers rebuilds the normaliser from it
        tok.init_kwargs["strip_accents"] = False


def readable(tok, token: str) -> str:
    """A vocabulary entry as a reader would write it (NFC: whole syllables, byte-level marks decoded)."""
    text = tok.convert_tokens_to_string([token]).strip() or token
    return unicodedata.normalize("NFC", text) if "\ufffd" not in text else token


def chips(tok, text: str) -> list[list]:
    """[shown text, id] per token, the shown text cut from the sentence itself (offset mapping).

    A token that holds only part of a character (a jamo of an NFD-split syllable, or some bytes of a
    byte-level one) would show as a jamo or as U+FFFD; it shows the whole character instead, and the
    next pieces of the same character are marked with a leading "·"."""
    encoded = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    out, last = [], None
    for token_id, (start, end) in zip(encoded["input_ids"], encoded["offset_mapping"]):
        token = tok.convert_ids_to_tokens(token_id)
        span = text[start:end]
        shown = span.strip() or ("␣" if span else readable(tok, token))
        if (start, end) == last:
            shown = "·" + shown
        elif token.startswith("##"):  # WordPiece's "continues the word" mark is worth seeing
            shown = "##" + shown
        out.append([shown, token_id])
        last = (start, end)
    return out


def tokenize_side_by_side(old, new, text: str) -> dict:
    """The same sentence as [token, id] pairs under the old and the new tokenizer."""
    return {"old": chips(old, text), "new": chips(new, text)}


def compare_sample(run_id: str, text: str, viewer: str | None = None) -> dict:
    """Old vs new tokens of a sentence for a finished tokenizer run (the page's editable sample)."""
    if not (text or "").strip():
        raise LabError("Type a sentence to tokenize.")
    new = load_tokenizer(f"run:{run_id}", viewer)
    base = (run_folder(run_id) / "base.txt").read_text().strip()
    return tokenize_side_by_side(load_tokenizer(base), new, text[:2000])


def tokens_per_text(tok, texts: list[str]) -> float:
    ids = tok(texts, add_special_tokens=False)["input_ids"]
    return sum(len(i) for i in ids) / max(len(ids), 1)


def new_vocabulary_stats(old, new, texts: list[str]) -> dict:
    """Share of the new vocabulary the old one has, and the new tokens used most on `texts`."""
    old_vocab, new_vocab = set(old.get_vocab()), set(new.get_vocab())
    overlap = len(new_vocab & old_vocab) / max(len(new_vocab), 1)
    counts = collections.Counter()
    for ids in new(texts, add_special_tokens=False)["input_ids"]:
        counts.update(ids)
    fresh = [(new.convert_ids_to_tokens(i), n) for i, n in counts.most_common()
             if new.convert_ids_to_tokens(i) not in old_vocab][:NEW_TOKENS_SHOWN]
    return {"overlap": round(overlap, 4), "new_tokens": [[readable(new, t), n] for t, n in fresh]}


# --- training ---------------------------------------------------------------------------------------
def validate(cfg: TokenizerConfig) -> None:
    if cfg.base not in TOKENIZER_BASES:
        raise LabError(f"Unknown base tokenizer '{cfg.base}'; pick one of: {', '.join(TOKENIZER_BASES)}.")
    if not MIN_VOCAB_SIZE <= int(cfg.vocab_size) <= MAX_VOCAB_SIZE:
        raise LabError(f"A vocabulary of {cfg.vocab_size:,} tokens is out of range; choose between "
                       f"{MIN_VOCAB_SIZE} and {MAX_VOCAB_SIZE:,}.")
    if cfg.batch_size < 1:
        raise LabError("The batch size must be at least 1 text.")


def train_tokenizer(cfg: TokenizerConfig, texts: list[str], on_batch=None):
    """(old, new) tokenizers: `texts` fed in batches to the base's `train_new_from_iterator`.

    `on_batch(done, total)` is called before each batch; it may raise Cancelled to stop training.
    """
    from transformers import AutoTokenizer

    validate(cfg)
    old = AutoTokenizer.from_pretrained(base_path(cfg.base))
    if not old.is_fast:
        raise LabError("The base tokenizer has no fast (Rust) version, so it cannot be retrained.")
    size = int(cfg.batch_size)

    def batches():
        for start in range(0, len(texts), size):
            if on_batch is not None:
                on_batch(start, len(texts))
            yield texts[start:start + size]

    trainee = old
    if has_hangul(texts[:2000]):  # a Korean corpus: learn whole syllables, not jamo
        trainee = AutoTokenizer.from_pretrained(base_path(cfg.base))
        keep_syllables(trainee)
    new = trainee.train_new_from_iterator(batches(), vocab_size=int(cfg.vocab_size), length=len(texts))
    if trainee is not old:
        keep_syllables(new)
    return old, new


def tokenizer_job(cfg: TokenizerConfig, ctx) -> dict:
    validate(cfg)
    ctx.log("Reading the corpus")
    train_texts, held_out = split_corpus(corpus_texts(cfg.corpus))
    ctx.log(f"Training a {cfg.vocab_size:,}-token vocabulary from {cfg.base} on {len(train_texts):,} texts")

    def on_batch(done, total):
        if ctx.cancelled:  # the trainer learns from the whole corpus at once: half a corpus is no vocabulary
            raise Cancelled("A vocabulary is learnt from the whole corpus at once, so a stopped tokenizer "
                            "run keeps nothing; train it again with a smaller corpus to finish sooner.")
        ctx.emit("progress", done=done, total=total)

    started = time.perf_counter()
    old, new = train_tokenizer(cfg, train_texts, on_batch)
    seconds = time.perf_counter() - started
    ctx.emit("progress", done=len(train_texts), total=len(train_texts))
    ctx.log("Comparing the old and the new tokenizer on held-out texts")
    result = {
        "base": cfg.base, "vocab_size": len(new), "target_vocab_size": int(cfg.vocab_size),
        "seconds": round(seconds, 3), "train_texts": len(train_texts), "held_out_texts": len(held_out),
        "tokens_per_text_old": round(tokens_per_text(old, held_out), 3),
        "tokens_per_text_new": round(tokens_per_text(new, held_out), 3),
        **new_vocabulary_stats(old, new, held_out),
        "sample": tokenize_side_by_side(old, new, cfg.sample or "Hello world"),
        "sample_text": cfg.sample,
    }
    run_dir = run_folder(ctx.job_id, create=True)
    folder = run_dir / "tokenizer"
    new.save_pretrained(str(folder))
    (run_dir / "base.txt").write_text(cfg.base)  # outside the folder: not part of the zip
    archive = shutil.make_archive(str(run_dir / f"tokenizer-{ctx.job_id[:8]}"), "zip", root_dir=str(folder))
    result.update(tokenizer_path=str(folder), zip=archive, ref=f"run:{ctx.job_id}",
                  label=f"{cfg.base} → {len(new):,} tokens on {corpus_label(cfg.corpus)} ({ctx.job_id[:6]})")
    return result


def corpus_label(corpus: str) -> str:
    return "tweets" if corpus in ("", "tweets") else Path(corpus).name


def tokenizer_runs(viewer: str | None = None) -> list[tuple[str, str]]:
    """(label, "run:<id>") of the finished tokenizer runs the viewer may use (theirs and shared), newest first."""
    from lab.store import get_store

    runs = get_store().list_runs(kind="tokenizer", status=("done", "cancelled"), viewer=viewer)
    return [((r["result"] or {}).get("label") or r["id"][:8], f"run:{r['id']}") for r in runs
            if (run_folder(r["id"]) / "tokenizer").is_dir()]
