"""When two jobs are the same training, and how one run's outcome becomes another's.

Two jobs are identical when their kind, every setting, their data (a built-in name, or an upload's
content hash), their base (a packaged name or a run id) and the lab's version match, on the same
kind of device. `job_key` gives that identity as a hash, or None where a job must train on its own:
a source on the Hub (offline the lab cannot pin its revision) or a device whose training is not
deterministic (CUDA kernels may differ run to run; CPU training is, tests/test_determinism.py).

A run that joins a training, or is answered from a finished one, gets a copy of its outcome:
`adopt` rewrites the result's run ids, labels and upload paths to the new run's own, and
`clone_folder` links the files into the new run's folder (a hard link per file: no copy on disk,
yet deleting either run leaves the other's files whole).

    python -c "from lab.serve import identity; print(identity.lab_version(), identity.device_kind())"
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
NOT_REPEATABLE = ("On this GPU every job trains on its own: its training is not repeatable bit for bit, so "
                  "identical settings are not shared between pages.")


@functools.lru_cache(maxsize=1)
def lab_version() -> str:
    """A hash of the lab's own source: any change to how a job trains makes its runs a new kind."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def device_kind() -> str:
    """Where jobs train: "cpu", or "cuda:<name>" (the child processes pick CUDA when it is there);
    "ray-gpu" where Ray jobs ask for GPUs (LAB_RAY_GPUS), whose cards the app cannot see."""
    if os.environ.get("LAB_RAY_ADDRESS", "").strip() and float(os.environ.get("LAB_RAY_GPUS") or 0) > 0:
        return "ray-gpu"
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) == "" or not Path("/proc/driver/nvidia/gpus").is_dir():
        return "cpu"
    import torch

    return f"cuda:{torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"


def deterministic(device: str) -> bool:
    """Only CPU training repeats bit for bit here; on a GPU the lab trains every job on its own."""
    return device == "cpu"


@functools.lru_cache(maxsize=256)
def _file_hash(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _settled(value):
    """A config value as it counts for identity; raises _Alone for a source that cannot be pinned."""
    if isinstance(value, dict):
        return {k: _settled(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_settled(v) for v in value]
    if not isinstance(value, str) or value.startswith("run:"):
        return value
    if value.startswith("/"):  # an upload (checked at submit): its content counts, never its name
        stat = Path(value).stat()
        return _file_hash(value, stat.st_size, stat.st_mtime)
    if "/" in value:  # a Hub id: its revision may change between two jobs
        raise _Alone()
    return value


class _Alone(Exception):
    pass


def job_key(kind: str, config, version: str | None = None, device: str | None = None) -> str | None:
    """The identity of a checked job as a hash, or None when it must train on its own."""
    device = device or device_kind()
    if not deterministic(device):
        return None
    settings = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config
    try:
        settled = _settled(settings)
        text = json.dumps([kind, settled, version or lab_version(), device], sort_keys=True, default=str)
    except (_Alone, OSError, TypeError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _replacements(old_id: str, new_id: str, old_config, new_config) -> list[tuple[str, str]]:
    pairs = [(old_id, new_id), (f"({old_id[:6]})", f"({new_id[:6]})"), (f"-{old_id[:8]}", f"-{new_id[:8]}")]
    old = dataclasses.asdict(old_config) if dataclasses.is_dataclass(old_config) else old_config
    new = dataclasses.asdict(new_config) if dataclasses.is_dataclass(new_config) else new_config
    if isinstance(old, dict) and isinstance(new, dict):  # the other owner's upload path and file name
        for key, value in old.items():
            mine = new.get(key)
            if isinstance(value, str) and isinstance(mine, str) and value != mine and value.startswith("/"):
                pairs += [(value, mine), (Path(value).name, Path(mine).name)]
    return pairs


def adopt(value, old_id: str, new_id: str, old_config=None, new_config=None):
    """`value` (a result or an event) with every trace of the source run replaced by the new run's own."""
    pairs = _replacements(old_id, new_id, old_config, new_config)

    def walk(item):
        if isinstance(item, str):
            for old, new in pairs:
                item = item.replace(old, new)
            return item
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return type(item)(walk(v) for v in item)
        return item

    return walk(value)


def clone_folder(source: Path, target: Path, old_id: str, new_id: str) -> None:
    """Link every file of `source` into `target` (copy where a link cannot be made); names that carry
    the source run's id carry the new one's."""
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        relative = str(path.relative_to(source)).replace(f"-{old_id[:8]}", f"-{new_id[:8]}")
        destination = target / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
