"""What a kind's builder hands the script writer (`Bundle`), and the pieces every builder shares:
the template renderer, the run's settings as their dataclass, data written beside the script, where
the script finds its model.
"""
from __future__ import annotations

import json
import pprint
import re
import shutil
from dataclasses import dataclass, field, fields
from pathlib import Path

from lab import resources
from lab.errors import LabError

TEMPLATES = Path(__file__).parent / "templates"
ROOT = Path(__file__).resolve().parents[2]  # an include named lab/... is the lab's own module, copied as it is
SETTINGS_LINE = "SETTINGS: dict = {}  # EXPORT:SETTINGS"
MAX_COPY_BYTES = 2 * 1024 ** 3  # a base model copied into the export: a classroom's laptop must hold it


@dataclass
class Bundle:
    """What a kind's builder hands back: the template, the settings it is filled with, what it cannot redo."""
    template: str
    settings: dict
    sections: set[str] | None = None   # the `# >>> method NAME` sections to keep; None keeps all
    trainer: bool = True                # runs on the Trainer, so accelerate and torchrun apply
    notes: list[str] = field(default_factory=list)
    output: str = "outputs/"


def config_of(config_class, stored: dict):
    """The run's stored settings as their dataclass; fields added or dropped since the run are tolerated."""
    names = {f.name for f in fields(config_class)}
    return config_class(**{k: v for k, v in (stored or {}).items() if k in names})


def render(template: str, settings: dict, sections: set[str] | None = None) -> str:
    """The template's text with its includes inlined, its SETTINGS line filled in and unused sections removed."""
    text = (TEMPLATES / f"{template}.py").read_text()
    for name in re.findall(r"^# EXPORT:INCLUDE (\S+)$", text, flags=re.M):
        source = ROOT / name if name.startswith("lab/") else TEMPLATES / name
        included = source.read_text().split("# EXPORT:BODY\n", 1)[1]
        text = text.replace(f"# EXPORT:INCLUDE {name}\n", included)
    if sections is not None:
        def keep(match: re.Match) -> str:
            return match.group(0) if match.group(1) in sections else ""
        text = re.sub(r"^# >>> method (\w+)\n.*?^# <<< method \1\n", keep, text, flags=re.S | re.M)
    literal = "SETTINGS: dict = " + pprint.pformat(settings, width=110, sort_dicts=False)
    if SETTINGS_LINE not in text:
        raise RuntimeError(f"The export template {template}.py lost its settings line.")
    return text.replace(SETTINGS_LINE, literal)


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return str(path)


def copy_upload(source: str, out: Path) -> str | None:
    """An uploaded data file, copied beside the script as it was; None for built-in or Hub data."""
    path = Path((source or "").strip())
    # a relative name is a Hub id, never a file here: `lab_data/runs.sqlite` must not end up in a zip
    if not source or not path.is_absolute() or not path.suffix or not path.is_file():
        return None
    target = out / "data" / "upload" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return str(target.relative_to(out))


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def model_spec(choice: str, resolved: str, out: Path, name: str = "base_model") -> dict:
    """Where the script finds a model: a packaged one by its path here and its Hub id; a run's or a
    folder's model copied into the export (it exists nowhere else); a Hub id as it is."""
    choice = (choice or "").strip()
    if choice in resources.HUB_IDS:
        local = resolved if Path(resolved).is_absolute() and Path(resolved).is_dir() else None
        return {"name": choice, "path": local, "hub_id": resources.HUB_IDS[choice]}
    if Path(resolved).is_absolute() and Path(resolved).is_dir():  # relative: a Hub id (lab.sources)
        size = folder_bytes(Path(resolved))
        if size > MAX_COPY_BYTES:
            raise LabError(f"The model {choice} is {size / 1024 ** 3:.1f} GB, too big to copy into an export; "
                           "push it to the Hub and export a run that uses its Hub id.")
        shutil.copytree(resolved, out / name, ignore=shutil.ignore_patterns("trainer", "*.zip"), dirs_exist_ok=True)
        shown = choice if choice.startswith("run:") else Path(resolved).name  # not the server's paths
        return {"name": shown, "path": name, "hub_id": None}
    return {"name": choice, "path": None, "hub_id": resolved}
