"""Where an exported script finds its model and reads its data: included into every template where it
says `# EXPORT:INCLUDE script_inputs.py`, so each exported train.py stays one standalone file.

Everything above EXPORT:BODY is here only so that this file reads (and lints) on its own; the
templates import json and Path and define HERE themselves.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


# EXPORT:BODY
def model_source(spec: dict, override: str | None) -> str:
    """--model, else the folder named in SETTINGS when it exists here, else its Hub id."""
    if override:
        return override
    if spec.get("path"):
        path = Path(spec["path"]) if Path(spec["path"]).is_absolute() else HERE / spec["path"]
        if path.exists():
            return str(path)
    if spec.get("hub_id"):
        return spec["hub_id"]
    raise SystemExit(f"The model folder {spec.get('path')} is not on this machine; pass --model FOLDER_OR_HUB_ID.")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_texts(path: Path) -> list[str]:
    return [row["text"] for row in read_jsonl(path)]
