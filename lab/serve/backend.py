"""Where a job's work runs: the one seam between the runner's queue and the machine that trains.

The runner (lab/serve/runner.py) keeps the queue, the owners, identical-job joining and the guards;
a backend only runs one training and reports back. `run(job, handler, on_event, watch, threads)`
returns an outcome tuple (lab/serve/child.py lists them: result, cancelled, error, crash, died),
calls `on_event(event)` for every event as it happens and `watch()` every few tens of milliseconds
(the runner's time budget), and stops the work soon after `job.cancel_event` is set.

`local` runs each job in a child process of this machine (or, for tests of the queue, on the
worker thread). A cluster backend plugs in beside it under its own name (`make_backend`).
"""
from __future__ import annotations

import threading
import traceback
from typing import Callable

from lab.errors import Cancelled, LabError
from lab.serve import child
from lab.serve.job import Job, JobContext


class LocalBackend:
    """Jobs on this machine: a child process each (`isolate`), else the calling worker thread."""

    name = "local"

    def __init__(self, isolate: bool = False, preload: tuple[str, ...] = (), grace_s: float = 30.0):
        self.isolate, self.grace_s = isolate, grace_s
        self._mp = child.context(preload) if isolate else None

    def warm(self) -> None:
        if self._mp is not None:
            child.warm(self._mp)  # the forkserver imports torch & co. while the queue is still empty

    def run(self, job: Job, handler, on_event: Callable[[dict], None], watch: Callable[[], None],
            threads: int | None = None) -> tuple:
        if self._mp is not None:
            extra = {"LAB_TORCH_THREADS": str(threads)} if threads else {}
            return child.run_isolated(self._mp, job, handler, on_event, watch, self.grace_s, extra)
        return self._run_here(job, handler, on_event, watch)

    @staticmethod
    def _run_here(job: Job, handler, on_event, watch) -> tuple:
        """The handler in this thread; a watchdog thread enforces the budget."""
        ended = threading.Event()

        def watchdog():
            while not ended.wait(0.05):
                watch()

        class Relay(JobContext):
            def _deliver(self, event: dict) -> None:
                on_event(event)

        threading.Thread(target=watchdog, name="lab-budget", daemon=True).start()
        try:
            if isinstance(handler, str):
                handler = child.load(handler)
            ctx = Relay(job)
            ctx.started = job.started or ctx.started
            return ("result", handler(job.config, ctx))
        except Cancelled as exc:  # its message, if any, says why nothing partial could be kept
            return ("cancelled", str(exc))
        except LabError as exc:
            return ("error", str(exc))
        except Exception as exc:  # a failed job must never take the worker down
            return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            ended.set()


def ray_backend(isolate: bool = True, preload: tuple[str, ...] = (), grace_s: float = 30.0):
    """Jobs as Ray actors on the cluster LAB_RAY_ADDRESS names (lab/serve/ray_backend.py imports Ray
    only when it connects)."""
    import os

    from lab.serve.ray_backend import RayBackend

    backend = RayBackend(os.environ.get("LAB_RAY_ADDRESS", "").strip() or "local", grace_s=grace_s)
    backend.warm()
    return backend


BACKENDS = {"local": LocalBackend, "ray": ray_backend}


def make_backend(name: str = "local", **options):
    """The backend called `name`; an unknown one is refused with the names there are."""
    if name not in BACKENDS:
        raise LabError(f"There is no job backend '{name}'; the lab has: {', '.join(sorted(BACKENDS))}.")
    return BACKENDS[name](**options)
