"""Data for supervised fine-tuning and preference tuning: the built-in tweet task, uploads, Hub sets.

The built-in task writes each tweet in the seed's template and keeps held-out prompts apart:

    ### Human: What is the sentiment of this tweet? <tweet>
    ### Assistant: positive

SFT rows are {"prompt", "completion"} (loss on the completion only) or {"messages"} (loss on the
assistant turns only); DPO rows are {"prompt", "chosen", "rejected"}. A held-out item is
{"prompt", "expected", "shown"}: what the model is asked, the answer it should give, what the page shows.

    python -c "from lab.config import SFTRunConfig; from lab.kinds.causal.data import sft_data; print(sft_data(SFTRunConfig())['train'][0])"
"""
from __future__ import annotations

import random
from pathlib import Path

from lab import data, sources
from lab.errors import LabError

MIN_ROWS = 4  # a few to train on and at least one held out


def prompt_for(cfg, text: str) -> str:
    """The seed's template around one tweet; the completion follows the assistant marker."""
    return f"{cfg.human_marker} {cfg.instruction} {text}\n{cfg.assistant_marker}"


def check_template(cfg) -> None:
    if not cfg.assistant_marker.strip():
        raise LabError("Set an assistant marker (such as '### Assistant:'); the loss starts after it.")
    if cfg.human_marker.strip() and cfg.human_marker.strip() == cfg.assistant_marker.strip():
        raise LabError("The human and assistant markers are the same; make them different so the answer can be found.")


def _tweet_task(cfg) -> tuple[list[dict], list[dict]]:
    """Balanced train rows and balanced held-out rows of the tweets, disjoint by construction."""
    train, evaluation = data.tweet_split()
    rng = random.Random(cfg.seed)
    rng.shuffle(train)
    heldout, per_label = [], {}
    for row in evaluation:  # an equal number of each label, so "always positive" scores 50%
        if per_label.get(row["label"], 0) < (cfg.eval_size + 1) // 2:
            per_label[row["label"]] = per_label.get(row["label"], 0) + 1
            heldout.append(row)
    return train[: cfg.train_size], heldout[: cfg.eval_size]


def _heldout_item(prompt, expected: str, shown: str) -> dict:
    return {"prompt": prompt, "expected": expected.strip(), "shown": shown}


def _read_rows(cfg) -> tuple[list[dict], str]:
    """Raw rows of an upload (.jsonl) or a Hub dataset, and a name for messages."""
    source = sources.resolve_data(cfg.dataset, allow_local=True)  # typed paths were refused at submit
    if source.kind == "hub":
        rows = list(data.hub_table(source.value, cfg.train_size + cfg.eval_size))
        return [data._normalise(r) for r in rows], source.value
    path = Path(source.value)
    if path.suffix.lower() != ".jsonl":
        raise LabError(f"{path.name}: upload a .jsonl file (one JSON object per line), not {path.suffix or 'a file without extension'}.")
    if not path.exists():
        raise LabError(f"The file {path.name} is not there any more; upload it again.")
    return data.read_upload(path), path.name


def _split(rows: list, cfg, name: str) -> tuple[list, list]:
    if len(rows) < MIN_ROWS:
        raise LabError(f"{name} has {len(rows)} usable rows; give at least {MIN_ROWS} (some are held out).")
    rows = list(rows)
    random.Random(cfg.seed).shuffle(rows)
    cut = max(1, min(cfg.eval_size, len(rows) // 5))
    return rows[cut:][: cfg.train_size], rows[:cut]


def _join(prompt: str, completion: str) -> str:
    """A space between prompt and completion where neither has one (uploads are stripped)."""
    return completion if not prompt or prompt[-1].isspace() or completion[:1].isspace() else " " + completion


def _text_to_pair(text: str, cfg) -> dict | None:
    marker = cfg.assistant_marker.strip()
    if marker not in text:
        return None
    head, _, tail = text.partition(marker)
    return {"prompt": head + marker, "completion": _join(marker, tail.strip())}


def _messages_ok(messages) -> bool:
    return (isinstance(messages, list) and messages
            and all(isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") for m in messages)
            and any(m["role"] == "assistant" for m in messages))


def _sft_upload(cfg) -> dict:
    rows, name = _read_rows(cfg)
    notices = []
    first = rows[0]
    if "messages" in first:
        bad = [i for i, r in enumerate(rows, 1) if not _messages_ok(r.get("messages"))]
        if bad:
            raise LabError(f"{name}, row {bad[0]}: 'messages' must be a list of {{\"role\", \"content\"}} with at "
                           "least one assistant turn.")
        train, held = _split(rows, cfg, name)
        heldout = []
        for r in held:
            last = max(i for i, m in enumerate(r["messages"]) if m["role"] == "assistant")
            asked = r["messages"][:last]
            heldout.append(_heldout_item(asked, r["messages"][last]["content"], asked[-1]["content"] if asked else ""))
        return {"kind": "messages", "train": [{"messages": r["messages"]} for r in train], "heldout": heldout,
                "notices": notices, "name": name}
    if "prompt" in first:
        missing = [i for i, r in enumerate(rows, 1) if not str(r.get("completion") or "").strip()]
        if missing:
            raise LabError(f"{name}: {len(missing)} of {len(rows)} rows have a prompt but no completion "
                           f"(first: row {missing[0]}); give every row a non-empty 'completion'.")
        pairs = [{"prompt": str(r["prompt"]), "completion": _join(str(r["prompt"]), str(r["completion"]))} for r in rows]
    elif "text" in first:
        check_template(cfg)
        pairs = [p for p in (_text_to_pair(str(r.get("text", "")), cfg) for r in rows) if p]
        if not pairs:
            raise LabError(f"The assistant marker '{cfg.assistant_marker}' never occurs in {name}; set the marker "
                           "your texts use, or upload rows with 'prompt' and 'completion'.")
        if len(pairs) < len(rows):
            notices.append(f"{len(rows) - len(pairs)} of {len(rows)} rows have no '{cfg.assistant_marker}' and were left out.")
        empty = [p for p in pairs if not p["completion"].strip()]
        if empty:
            raise LabError(f"{name}: {len(empty)} rows have nothing after '{cfg.assistant_marker}'; "
                           "write the answer after the marker.")
    else:
        raise LabError(f"{name}: each line needs 'prompt' and 'completion', 'messages', or 'text' with the markers.")
    train, held = _split(pairs, cfg, name)
    heldout = [_heldout_item(p["prompt"], p["completion"], p["prompt"]) for p in held]
    return {"kind": "prompt-completion", "train": train, "heldout": heldout, "notices": notices, "name": name}


def sft_data(cfg) -> dict:
    """{"kind", "train", "heldout", "notices", "name"} for an SFT run."""
    if cfg.dataset.strip() in ("", "tweets"):
        check_template(cfg)
        train, held = _tweet_task(cfg)
        return {"kind": "prompt-completion", "name": "the built-in tweets",
                "train": [{"prompt": prompt_for(cfg, r["text"]), "completion": " " + r["label"]} for r in train],
                "heldout": [_heldout_item(prompt_for(cfg, r["text"]), r["label"], r["text"]) for r in held],
                "notices": []}
    return _sft_upload(cfg)


def dpo_data(cfg) -> dict:
    """{"train": [{"prompt", "chosen", "rejected"}], "heldout", "heldout_pairs", "notices", "name"} for a DPO run
    or a reward model (held-out pairs are never trained on)."""
    if cfg.dataset.strip() in ("", "tweets"):
        check_template(cfg)
        train, held = _tweet_task(cfg)
        other = {"positive": "negative", "negative": "positive"}

        def pair(r):
            return {"prompt": prompt_for(cfg, r["text"]), "chosen": " " + r["label"], "rejected": " " + other[r["label"]]}
        return {"name": "the built-in tweets", "notices": [], "train": [pair(r) for r in train],
                "heldout": [_heldout_item(prompt_for(cfg, r["text"]), r["label"], r["text"]) for r in held],
                "heldout_pairs": [pair(r) for r in held]}
    rows, name = _read_rows(cfg)
    for i, r in enumerate(rows, 1):
        missing = [k for k in ("prompt", "chosen", "rejected") if not str(r.get(k) or "").strip()]
        if missing:
            raise LabError(f"{name}, row {i}, has no {' or '.join(missing)}; every line needs prompt, chosen and rejected.")
        if str(r["chosen"]).strip() == str(r["rejected"]).strip():
            raise LabError(f"{name}, row {i}: chosen and rejected are the same; a preference needs two different answers.")
    pairs = [{"prompt": str(r["prompt"]), "chosen": _join(str(r["prompt"]), str(r["chosen"])),
              "rejected": _join(str(r["prompt"]), str(r["rejected"]))} for r in rows]
    train, held = _split(pairs, cfg, name)
    return {"name": name, "notices": [], "train": train, "heldout_pairs": held,
            "heldout": [_heldout_item(p["prompt"], p["chosen"], p["prompt"]) for p in held]}


def rl_data(cfg) -> dict:
    """{"train": [{"prompt", "expected", "shown", "labels"}], "heldout", "notices", "name"} for reinforcement
    tuning: the prompts are SFT's (the same held-out prompts too); `expected` and `labels` (the task's one-word
    answers) feed the verifiable label rule and the format rule."""
    if cfg.dataset.strip() in ("", "tweets"):
        check_template(cfg)
        train, held = _tweet_task(cfg)
        labels = sorted({r["label"] for r in train})
        return {"name": "the built-in tweets", "notices": [],
                "train": [{"prompt": prompt_for(cfg, r["text"]), "expected": r["label"], "shown": r["text"],
                           "labels": labels} for r in train],
                "heldout": [_heldout_item(prompt_for(cfg, r["text"]), r["label"], r["text"]) for r in held]}
    rows, name = _read_rows(cfg)
    if "prompt" not in rows[0]:
        raise LabError(f"{name} has no 'prompt' column; reinforcement tuning samples answers to prompts "
                       "(each line: prompt, and optionally expected, completion or chosen as the right answer).")
    empty = [i for i, r in enumerate(rows, 1) if not str(r.get("prompt") or "").strip()]
    if empty:
        raise LabError(f"{name}: {len(empty)} of {len(rows)} rows have an empty prompt (first: row {empty[0]}); "
                       "give every row a prompt.")
    items = [{"prompt": str(r["prompt"]), "shown": str(r["prompt"]),
              "expected": str(r.get("expected") or r.get("completion") or r.get("chosen") or "").strip()} for r in rows]
    labels = sorted({i["expected"].lower() for i in items if i["expected"] and len(i["expected"].split()) == 1})
    for item in items:  # the label rule and the format rule read the task's labels from this column
        item["labels"] = labels
    train, held = _split(items, cfg, name)
    return {"name": name, "notices": [], "train": train,
            "heldout": [_heldout_item(i["prompt"], i["expected"], i["prompt"]) for i in held]}
