"""Tokenizer training exported from Fine-Tuning Lab: the base's algorithm retrained on the run's corpus.

    python train.py                       # the run as it was
    python train.py --vocab-size 16000    # a bigger vocabulary

`train_new_from_iterator` keeps the base tokenizer's algorithm (WordPiece or byte-level BPE), normaliser and
special tokens and learns a new vocabulary. It runs in the Rust `tokenizers` library, on one machine.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from transformers import AutoTokenizer

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS


# EXPORT:INCLUDE script_inputs.py


def tokens_per_text(tokenizer, texts: list[str]) -> float:
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return sum(len(i) for i in ids) / max(len(ids), 1)


def main() -> None:
    s = SETTINGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="The base tokenizer: a folder or Hub id instead of the run's.")
    parser.add_argument("--vocab-size", type=int, default=s["vocab_size"], help="Tokens in the new vocabulary.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where the tokenizer goes.")
    args = parser.parse_args()
    out = Path(args.output_dir)
    old = AutoTokenizer.from_pretrained(model_source(s["base"], args.model))
    texts, held_out = read_texts(HERE / s["data"]["train"]), read_texts(HERE / s["data"]["eval"])
    size = s["batch_size"]
    batches = (texts[start:start + size] for start in range(0, len(texts), size))
    new = old.train_new_from_iterator(batches, vocab_size=args.vocab_size, length=len(texts))
    new.save_pretrained(str(out / "tokenizer"))
    results = {"run_id": s["run_id"], "vocab_size": len(new),
               "tokens_per_text_old": round(tokens_per_text(old, held_out), 3),
               "tokens_per_text_new": round(tokens_per_text(new, held_out), 3),
               "sample_old": old.tokenize(s["sample"]), "sample_new": new.tokenize(s["sample"])}
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"{len(new):,} tokens; {results['tokens_per_text_old']} -> {results['tokens_per_text_new']} tokens per "
          f"held-out text. Saved to {out / 'tokenizer'}")


if __name__ == "__main__":
    main()
