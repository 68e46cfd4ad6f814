"""Running one job in a child process, so training never shares the web server's GIL.

The worker thread (lab/serve/runner.py) calls `run_isolated(job, target, ...)`: it starts a child from a
forkserver whose server imported torch, transformers, peft and trl once (a job then starts in tens of
milliseconds instead of the seconds a fresh interpreter takes to import them), and relays:

    parent -> child   the job's config and handler ("module:function" or a module-level function),
                      the parent's environment and working directory, a cancel Event
    child -> parent   ("event", {...}) for every emit, then one of ("result", value), ("cancelled",),
                      ("error", sentence) for a LabError, ("crash", "Type: message", traceback)

A child that dies without a last message (os._exit, a segfault, the kernel's OOM killer: exit
code -9) becomes ("died", sentence). The parent mirrors the job's threading cancel Event into the
child's and kills a child that ignores it for `grace_s` seconds.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import time
import traceback
from typing import Callable

from lab.errors import Cancelled, LabError
from lab.serve.job import Job, JobContext

# What the forkserver imports once for every job after it (the app's runner passes these).
HEAVY_MODULES = ("torch", "transformers", "peft", "trl", "datasets", "lab.training")
POLL_S = 0.05  # how often the parent looks at the pipe, the cancel flag and the child


def load(target: str) -> Callable:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
    """A forkserver context where the platform has one (Linux), else spawn. Preloading only takes
    effect before the first job of the process starts the server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["lab.serve.child", *preload])
    return ctx


def warm(ctx) -> None:
    """Start the forkserver now (it imports the preloaded modules in the background)."""
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver
        forkserver.ensure_running()


def _torch_threads() -> None:
    """All the machine's cores for training: the web server in the parent needs little CPU now."""
    if "torch" not in sys.modules:
        return  # the handler imports torch itself and keeps its default (the physical cores)
    wanted = int(os.environ.get("LAB_TORCH_THREADS") or 0) or len(os.sched_getaffinity(0))
    sys.modules["torch"].set_num_threads(max(1, wanted))


# glibc's mallopt parameters, and the size below which freed blocks stay in the process's heap
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEEP_FREED_BYTES = 256 << 20


def keep_freed_memory() -> bool:
    """Let this process reuse the large blocks it frees instead of handing them back to the kernel.

    glibc serves an allocation over its mmap threshold (at most 32 MB unless set) with fresh pages from
    the kernel and returns them on free, so the next allocation of that size faults in and zeroes them
    again. Full fine-tuning of MiniLM allocates the dense gradient of its 30,522 x 384 word embeddings
    (47 MB) at every step: zeroing it took 14 ms fresh and 2-3 ms in reused memory on the development
    machine, about 3% of the step. A job's process lives as long as its job, so keeping its freed blocks
    (up to KEEP_FREED_BYTES each, and that much free at the top of the heap) costs the machine nothing
    after it. Tensor memory figures come from the profiler's allocations, not resident memory, so they are
    unchanged. Returns whether glibc took the settings (False elsewhere)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, KEEP_FREED_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


def child_main(target, config, job_id: str, started: float, env: dict, cwd: str, conn, cancel) -> None:
    """The child's whole life: run the handler, send its events and its outcome, exit."""
    os.environ.clear()
    os.environ.update(env)  # the forkserver started with an older environment (tests change LAB_DATA_DIR)
    os.chdir(cwd)
    # The job is the main process of its own work: transformers' seeded collators take any other
    # process name for a DataLoader worker and refuse to seed (DataCollatorForLanguageModeling).
    multiprocessing.current_process().name = "MainProcess"
    # The Trainer prints log dicts and the tokenizers library draws progress bars on fd 1; the CLI's
    # stdout is for the result alone.
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    class ChildContext(JobContext):
        def _deliver(self, event: dict) -> None:
            conn.send(("event", event))

    job = Job(id=job_id, owner="", kind="", config=config)
    job.cancel_event = cancel
    ctx = ChildContext(job)
    ctx.started = started
    try:
        _torch_threads()
        keep_freed_memory()
        handler = load(target) if isinstance(target, str) else target
        outcome = ("result", handler(config, ctx))
    except Cancelled as exc:  # its message, if any, says why nothing partial could be kept
        outcome = ("cancelled", str(exc))
    except LabError as exc:
        outcome = ("error", str(exc))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as a sentence
        outcome = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    try:
        conn.send(outcome)
    except Exception as exc:  # an unpicklable result
        conn.send(("crash", f"the job's result could not be sent back ({type(exc).__name__}: {exc})",
                   traceback.format_exc()))
    conn.close()


def died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        if exitcode == -signal.SIGKILL:
            return ("The job's process was killed (SIGKILL), most likely because the machine ran out of memory; "
                    "try fewer methods, a smaller batch or shorter texts.")
        return f"The job's process was stopped by signal {name}; run it again, and report it if it happens again."
    return f"The job's process exited with code {exitcode} before it finished; its log shows how far it got."


def run_isolated(ctx, job, target, on_event: Callable[[dict], None], watch: Callable[[], None],
                 grace_s: float, env: dict | None = None) -> tuple:
    """Run `target(job.config, ctx)` in a child; returns the child's outcome tuple (see the docstring).
    `watch()` runs every POLL_S (budgets); the job's cancel_event is mirrored into the child; `env`
    adds to the environment the child gets (its share of the cores)."""
    receive, send = ctx.Pipe(duplex=False)
    cancel = ctx.Event()
    process = ctx.Process(target=child_main, name=f"lab-job-{job.id[:8]}", daemon=True,
                          args=(target, job.config, job.id, job.started, {**os.environ, **(env or {})}, os.getcwd(),
                                send, cancel))
    process.start()
    send.close()  # the child holds the only writing end: EOF on ours means it has exited
    outcome, cancelled_at, killed = None, None, False
    try:
        while True:
            watch()
            if job.cancel_event.is_set() and cancelled_at is None:
                cancel.set()
                cancelled_at = time.monotonic()
            if cancelled_at is not None and not killed and time.monotonic() - cancelled_at > grace_s:
                process.kill()  # it ignored the cancel flag for the whole grace period
                killed = True
            if not receive.poll(POLL_S):
                if process.is_alive() or receive.poll(0):
                    continue
                break
            try:
                message = receive.recv()
            except (EOFError, OSError):
                break
            if message[0] == "event":
                on_event(message[1])
            else:
                outcome = message
    finally:
        receive.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
    if outcome is None:
        outcome = ("cancelled",) if killed else ("died", died(process.exitcode))
    return outcome
