"""A tiny BERT classifier (1 layer, hidden 16) saved as an HF folder with a word-level vocab, for tests."""
from __future__ import annotations

from pathlib import Path

WORDS = ["good", "great", "love", "happy", "fun", "bad", "awful", "hate", "sad", "boring", "the", "movie",
         "was", "day", "i", "it", "so", "very"]
POSITIVE = ["i love it", "great fun day", "the movie was good", "so happy", "very good movie", "love the day",
            "it was great", "happy fun"]
NEGATIVE = ["i hate it", "awful boring day", "the movie was bad", "so sad", "very bad movie", "hate the day",
            "it was awful", "sad boring"]


def tiny_model(num_labels: int = 2, seed: int = 0, **shape):
    """`shape` overrides BertConfig fields (hidden_size, num_hidden_layers, ...) for a wider model."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    settings = dict(vocab_size=5 + len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=32, max_position_embeddings=64, num_labels=num_labels,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                    initializer_range=0.5)  # wide enough that frozen features tell texts apart
    settings.update(shape)
    return BertForSequenceClassification(BertConfig(**settings))


def tiny_folder(root: Path, **shape) -> str:
    """Save the tiny model and a matching tokenizer; return the folder (usable as a `base`)."""
    from transformers import BertTokenizerFast

    folder = Path(root) / ("tiny-bert" + "".join(f"-{k}{v}" for k, v in sorted(shape.items())))
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])}
    BertTokenizerFast(vocab=vocab).save_pretrained(str(folder))
    tiny_model(**shape).save_pretrained(str(folder))
    return str(folder)


def tiny_rows() -> list[dict]:
    return [{"text": t, "label": "positive"} for t in POSITIVE] + [{"text": t, "label": "negative"} for t in NEGATIVE]


def write_csv(path: Path, rows: list[dict], columns=("text", "label")) -> str:
    import csv

    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return str(path)
