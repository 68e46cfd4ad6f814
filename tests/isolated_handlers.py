"""Module-level job handlers for the isolated runner's tests: a child process imports them by name."""
from __future__ import annotations

import os
import signal
import time


def count(cfg, ctx):
    """Emit `n` steps, a step every `pause` seconds; return how many ran (also after a cancel)."""
    done = 0
    for step in range(1, cfg["n"] + 1):
        if ctx.cancelled:
            break
        ctx.emit("step", step=step, loss=1.0 / step, pid=os.getpid())
        done = step
        time.sleep(cfg.get("pause", 0.0))
    import multiprocessing
    return {"steps": done, "pid": os.getpid(), "data_dir": os.environ.get("LAB_DATA_DIR"),
            "process_name": multiprocessing.current_process().name}


def strict_count(cfg, ctx):
    """Like count, but raise Cancelled at a cancel: no result to keep."""
    for step in range(1, cfg["n"] + 1):
        ctx.check_cancel()
        ctx.emit("step", step=step)
        time.sleep(cfg.get("pause", 0.0))
    return {"steps": cfg["n"]}


def raise_error(cfg, ctx):
    ctx.log("about to fail")
    raise RuntimeError("the child broke")


def user_mistake(cfg, ctx):
    from lab.errors import LabError
    raise LabError("Pick a smaller vocabulary.")


def exit_hard(cfg, ctx):
    ctx.emit("step", step=1)
    os._exit(3)


def killed(cfg, ctx):
    """What the kernel's OOM killer does to a process: SIGKILL."""
    ctx.emit("step", step=1)
    os.kill(os.getpid(), signal.SIGKILL)


def ignore_cancel(cfg, ctx):
    ctx.emit("step", step=1)
    time.sleep(cfg.get("sleep", 60))
    return {"ignored": True}


def unpicklable(cfg, ctx):
    return {"f": lambda: 1}


def refaults(cfg, ctx):
    """Minor page faults of allocating, filling and freeing a 64 MB buffer three times, after a first time."""
    import resource
    size = 64 << 20
    bytearray(size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):
        bytearray(size)
    return {"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, "pages": 3 * size // 4096}
