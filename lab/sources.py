"""Where every corpus, dataset, model and tokenizer comes from, decided in one place for every tab and the CLI.

A reference is one of:
- a packaged name: `tweets` (data), `minilm` / `smollm2` (models and tokenizers);
- a lab run: `run:<id>` (or `run:<id>/<method>` for one method of a fine-tuning comparison), which
  the viewer may read only if it is theirs or shared with the class;
- a Hub id matching the Hub's own pattern (`owner/name`), used only when the Hub answers, and
  loaded only from what `hub_folder` downloaded into huggingface_hub's cache: `from_pretrained` and
  `load_dataset` open a local folder of the same name first, so a typed `lab_data/runs` handed to them
  would read the server's files;
- an uploaded file: a path that gradio gave for an upload, accepted only inside gradio's upload
  folder. A typed server path is never opened: text fields take a Hub id or a run, nothing else.
The CLI alone may pass `allow_local=True` to read local files and folders, named by absolute paths
(`lab.__main__` makes its arguments absolute): a relative name is a Hub id even then, because a job
resolves its config again with `allow_local=True` and must not read a folder named like the id a
page typed.

`run_folder(id)` is the one function that knows where a run's files live.

    python -c "from lab import sources; print(sources.resolve_model('minilm'))"
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab import resources
from lab.errors import LabError
from lab.store import RUN_ID, run_folder

# The Hub's repo id pattern (huggingface_hub's validate_repo_id), ASCII only; "--" and ".." are refused.
HUB_ID = re.compile(r"(?:[A-Za-z0-9][\w.-]{0,94}[A-Za-z0-9_]/)?[A-Za-z0-9][\w.-]{0,94}[A-Za-z0-9_]|[A-Za-z0-9]", re.ASCII)
BUILTIN_DATA = ("tweets",)
BUILTIN_MODELS = ("minilm", "smollm2")


@dataclass(frozen=True)
class Source:
    """A resolved reference: `kind` is builtin, run, hub, upload or local; `value` what to load."""
    kind: str
    value: str
    label: str


def is_hub_id(text: str) -> bool:
    return bool(HUB_ID.fullmatch(text)) and "--" not in text and ".." not in text and not text.endswith(".git")


def upload_root() -> Path:
    """Where gradio stores uploads (gradio.utils.get_upload_folder, without importing gradio here)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


def readable_run(run_id: str, viewer: str | None, store=None, admin: bool = False) -> dict:
    """The run's row if the viewer may read it (theirs, shared, or viewer None: a checked job or the CLI)."""
    from lab.store import get_store

    if not RUN_ID.fullmatch(run_id or ""):
        raise LabError(f"'{run_id}' is not a run id of this lab; copy the id from Run history.")
    if viewer is None:  # trusted (a checked job, the CLI): the folder alone decides
        return {"id": run_id, "owner": None, "shared": False}
    run = (store or get_store()).get_run(run_id)
    # A stranger's private run reads exactly like a missing one: its id tells nothing.
    if run is None or not (viewer is None or admin or run["owner"] == viewer or run["shared"]):
        raise LabError(f"There is no run {run_id} that you can open; pick one of yours or one shared with the class.")
    return run


def parse_run(ref: str) -> tuple[str, str]:
    """`run:<id>` or `run:<id>/<part>` as (id, part)."""
    body = ref[4:].strip()
    run_id, _, part = body.partition("/")
    if part and not RUN_ID.fullmatch(part):
        raise LabError(f"'{ref}' is not a run reference; write run:<id> or run:<id>/<method>.")
    return run_id, part


def upload_path(path: str, allow_local: bool = False) -> Path:
    """An uploaded file's path, refused unless it lies inside gradio's upload folder (or the CLI allows it)."""
    resolved = Path(path).resolve()  # symlinks and ".." resolved before the check
    if not allow_local and not resolved.is_relative_to(upload_root()):
        raise LabError("Files reach the lab only as uploads; use the upload box instead of typing a path.")
    if not resolved.is_file():
        raise LabError(f"The file {resolved.name} is not there any more; upload it again.")
    return resolved


def _typed(ref) -> str:
    text = (ref if isinstance(ref, str) else getattr(ref, "name", "") or "").strip()
    if len(text) > 300:
        raise LabError("That reference is too long; type a Hub id such as owner/name or run:<id>.")
    return text


def _looks_like_path(text: str) -> bool:
    return text.startswith(("/", "~", ".", "\\")) or "\\" in text or ":" in text[1:3] or "/../" in f"/{text}/"


def _hub(text: str, what: str) -> Source:
    if not resources.hub_available():
        raise LabError(resources.offline_sentence(f"The {what} '{text}'"))
    return Source("hub", text, text)


# what a model or a dataset is made of; anything else in the repository (ONNX, TF, Flax copies) stays there
MODEL_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja"]
DATA_FILES = ["*.parquet", "*.csv", "*.tsv", "*.json", "*.jsonl", "*.txt", "*.arrow", "*.md"]


def hub_folder(path: str, repo_type: str = "model", config_only: bool = False) -> str:
    """The folder to load a resolved reference from: a lab folder as it is; a Hub id downloaded first.

    Every loader goes through here instead of handing the id to transformers or datasets, which
    would look for a local folder of that name before they ask the Hub."""
    if Path(path).is_absolute():  # packaged, run and CLI folders are always absolute
        return path
    if not is_hub_id(path) or _looks_like_path(path):
        raise LabError(f"'{path[:60]}' is not a Hub id; type one such as owner/name.")
    from huggingface_hub import hf_hub_download, snapshot_download

    try:
        if config_only:
            return str(Path(hf_hub_download(path, "config.json", repo_type=repo_type)).parent)
        patterns = MODEL_FILES if repo_type == "model" else DATA_FILES
        folder = snapshot_download(path, repo_type=repo_type, allow_patterns=patterns)
        if repo_type == "model" and not any(Path(folder).rglob("*.safetensors")):
            folder = snapshot_download(path, allow_patterns=["pytorch_model*.bin"])  # older repos
    except Exception as exc:  # no such repository, gated, offline: the Hub's own first line says which
        raise LabError(f"'{path}' could not be fetched from the Hugging Face Hub: "
                       f"{str(exc).splitlines()[0][:200]}") from None
    return folder


def resolve_data(ref, viewer: str | None = None, allow_local: bool = False) -> Source:
    """A corpus or dataset: `tweets`, an uploaded file, or a Hub dataset id."""
    text = _typed(ref)
    if text in ("",) + BUILTIN_DATA:
        return Source("builtin", "tweets", "tweets")
    if allow_local and Path(text).is_absolute() and Path(text).is_file():
        return Source("local", str(Path(text).resolve()), Path(text).name)
    if _looks_like_path(text) or Path(text).suffix.lower() in (".txt", ".csv", ".jsonl", ".json"):
        path = upload_path(text, allow_local)
        return Source("upload", str(path), path.name)
    if text.startswith("run:"):
        raise LabError("A run holds models, not data; pick tweets, upload a file or type a Hub dataset id.")
    if not is_hub_id(text):
        raise LabError(f"'{text[:60]}' is not a Hub dataset id; type one such as owner/name, or upload a file.")
    return _hub(text, "dataset")


def resolve_model(ref, viewer: str | None = None, allow_local: bool = False, admin: bool = False) -> str:
    """A model choice (packaged name, `run:<id>[/<method>]`, Hub id) as a folder or Hub id to load."""
    text = _typed(ref)
    if not text:
        raise LabError("Choose a model first.")
    if text == "minilm":
        return resources.minilm_path()
    if text == "smollm2":
        return resources.smollm2_path()
    if text.startswith("run:"):
        run_id, part = parse_run(text)
        readable_run(run_id, viewer, admin=admin)
        folder = run_folder(run_id) / part / "model" if part else run_folder(run_id) / "model"
        if not (folder / "config.json").exists():
            raise LabError(f"The run {run_id} has no saved model; pick another run.")
        return str(folder)
    if allow_local and Path(text).is_absolute() and Path(text).is_dir():
        return text
    if _looks_like_path(text) or not is_hub_id(text):
        raise LabError(f"'{text[:60]}' is not a model this lab can load; pick minilm, smollm2, "
                       "a run (run:<id>) or a Hub id such as owner/name.")
    return _hub(text, "model").value


def resolve_tokenizer(ref, viewer: str | None = None, allow_local: bool = False) -> str:
    """A tokenizer choice (minilm, smollm2, `run:<id>` of a tokenizer run) as a folder to load."""
    text = _typed(ref)
    if text in BUILTIN_MODELS:
        return resources.minilm_path() if text == "minilm" else resources.smollm2_path()
    if text.startswith("run:"):
        run_id, _ = parse_run(text)
        readable_run(run_id, viewer)
        folder = run_folder(run_id) / "tokenizer"
        if not (folder / "tokenizer_config.json").exists():
            raise LabError(f"The run {run_id} has no saved tokenizer; train one in the Tokenizer tab.")
        return str(folder)
    if allow_local and text and Path(text).is_absolute() and Path(text).is_dir():
        return text
    raise LabError(f"'{text[:60]}' is not a tokenizer; pick minilm, smollm2 or a trained tokenizer run.")
