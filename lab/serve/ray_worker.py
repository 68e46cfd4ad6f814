"""The half of the Ray backend that lives on a cluster node: one job in a Ray actor, in a folder of its own.

`JobHost` is a plain class (nothing here imports ray, so lab/ imports without it); lab/serve/ray_backend.py
makes it an actor with the CPUs or GPU the job's kind needs. The app calls, on one actor:

    run(target, config, job_id, started, env, inputs) -> (outcome, files, scratch data folder)
    events(cursor, wait_s) -> (new events, cursor)   a long poll: it answers as soon as one arrives
    cancel()                                         the Stop press or the time budget, read at the next step

The job never sees the app's disk. Its data folder is a fresh temporary folder on the node (its run
folder is written there) and the inputs its config names (an upload, a local folder from the CLI, a
`run:<id>` base) arrive packed in `inputs`; its run folder goes back packed in `files`, so a cluster
without a shared disk works as one with. The packed form is an uncompressed tar: model weights hardly
compress, and packing must cost less than the training it follows.
"""
from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import tarfile
import tempfile
import threading
import time
import traceback
from pathlib import Path

from lab.errors import Cancelled, LabError
from lab.serve.job import Job, JobContext

RUN_REF = re.compile(r"run:([0-9A-Za-z_-]{1,64})")
# The app's settings a job reads; never its secret, its instructor token, the cluster's token or its
# own folders.
ENV_PREFIXES = ("LAB_", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT")
ENV_KEPT_HOME = ("LAB_SECRET", "LAB_ADMIN_TOKEN", "LAB_DATA_DIR", "LAB_RAY_ADDRESS", "LAB_RAY_TOKEN")


def job_env(environ=os.environ) -> dict:
    return {k: v for k, v in environ.items() if k.startswith(ENV_PREFIXES) and k not in ENV_KEPT_HOME}


def pack(entries: dict[str, Path]) -> bytes:
    """{name in the archive: file or folder} as tar bytes (b"" when nothing exists)."""
    entries = {name: path for name, path in entries.items() if Path(path).exists()}
    if not entries:
        return b""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, path in entries.items():
            tar.add(str(path), arcname=name)
    return buffer.getvalue()


def unpack(data: bytes, into: Path) -> None:
    if data:
        into.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(into, filter="data")  # no absolute paths, links out or devices from the archive


def _strings(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def replace_strings(value, swap):
    """`value` with every string s in it (dataclass fields, dicts, lists) replaced by swap(s)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: replace_strings(getattr(value, f.name), swap)
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {k: replace_strings(v, swap) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(replace_strings(v, swap) for v in value)
    return swap(value) if isinstance(value, str) else value


def pack_inputs(config, runs_root: Path) -> tuple[bytes, dict[str, str]]:
    """What the config names on the app's disk, packed: `run:<id>` folders (as runs/<id>) and existing
    absolute paths (as inputs/<n>/<name>). Returns the tar and {app path: its name in the tar}."""
    entries, moved = {}, {}
    for text in _strings(config):
        for run_id in RUN_REF.findall(text):
            if (runs_root / run_id).is_dir():
                entries[f"runs/{run_id}"] = runs_root / run_id
        if os.path.isabs(text) and os.path.exists(text) and text not in moved:
            moved[text] = f"inputs/{len(moved)}/{Path(text).name}"
            entries[moved[text]] = Path(text)
    return pack(entries), moved


class JobHost:
    """One job in one Ray worker process; `events` and `cancel` answer while `run` trains."""

    def __init__(self):
        self._events: list[dict] = []
        self._cond = threading.Condition()
        self._done = False
        self._cancel = threading.Event()

    def pid(self) -> int:
        return os.getpid()

    def cancel(self) -> None:
        self._cancel.set()

    def events(self, cursor: int, wait_s: float) -> tuple[list, int]:
        with self._cond:
            self._cond.wait_for(lambda: len(self._events) > cursor or self._done, timeout=wait_s)
            return self._events[cursor:], len(self._events)

    def _deliver(self, event: dict) -> None:
        with self._cond:
            self._events.append(event)
            self._cond.notify_all()

    def run(self, target, config, job_id: str, started: float, env: dict, inputs: bytes,
            moved: dict[str, str]) -> tuple[tuple, bytes, str]:
        scratch = Path(tempfile.mkdtemp(prefix=f"lab-ray-{job_id[:8]}-"))
        data = scratch / "data"
        try:
            self._enter(scratch, env)
            unpack(inputs, scratch / "uploads")
            (data / "runs").mkdir(parents=True, exist_ok=True)
            for run in (scratch / "uploads" / "runs").glob("*"):  # a run:<id> base lives where run_folder looks
                run.rename(data / "runs" / run.name)
            config = replace_strings(config, lambda s: str(scratch / "uploads" / moved[s]) if s in moved else s)
            outcome = self._outcome(target, config, job_id, started)
            files = pack({job_id: data / "runs" / job_id})
            return outcome, files, str(data)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)  # the node keeps nothing of a job once it is sent back
            with self._cond:
                self._done = True
                self._cond.notify_all()

    @staticmethod
    def _enter(scratch: Path, env: dict) -> None:
        """This process (an actor has its own) now works in the scratch folder with the app's settings."""
        os.environ.update(env)
        os.environ["LAB_DATA_DIR"] = str(scratch / "data")
        os.environ["GRADIO_TEMP_DIR"] = str(scratch / "uploads")  # uploads are accepted from here only
        cache = Path(os.environ.get("LAB_RAY_NODE_CACHE") or Path(tempfile.gettempdir()) / "lab-ray-cache") / "models"
        cache.mkdir(parents=True, exist_ok=True)
        (scratch / "data").mkdir()
        (scratch / "data" / "models").symlink_to(cache, target_is_directory=True)  # converted models, once a node
        os.chdir(scratch)
        # torch takes as many threads as OMP_NUM_THREADS says when it is imported: Ray sets it to the
        # CPUs it gave this job; LAB_TORCH_THREADS overrides it, as for a child process.
        if os.environ.get("LAB_TORCH_THREADS"):
            os.environ["OMP_NUM_THREADS"] = os.environ["LAB_TORCH_THREADS"]

    def _outcome(self, target, config, job_id: str, started: float) -> tuple:
        host = self

        class HostContext(JobContext):
            def _deliver(self, event: dict) -> None:
                host._deliver(event)

        job = Job(id=job_id, owner="", kind="", config=config)
        job.cancel_event = self._cancel
        ctx = HostContext(job)
        ctx.started = started or time.time()
        try:
            from lab.serve.child import keep_freed_memory, load
            keep_freed_memory()  # the actor's process lives as long as its job, as a child's does
            if isinstance(target, str):
                target = load(target)
            return ("result", target(config, ctx))
        except Cancelled as exc:
            return ("cancelled", str(exc))
        except LabError as exc:
            return ("error", str(exc))
        except Exception as exc:  # noqa: BLE001 - the app gets it as a sentence, the traceback in the log
            return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
