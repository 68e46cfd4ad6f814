"""Whose job runs next, on how many slots, and when a waiting job can expect to start and end.

- **Turns.** Owners are served in turn: each job gets a turn number, one past its owner's previous
  job's, so a student's second job waits behind every other student's first one; within a turn,
  first come first served.
- **Slots.** `LAB_WORKERS` jobs run side by side, each in its own child process with its share of
  the cores. The default: one per GPU; else one per four cores (one on a 2-core Space, where one
  training at a time is fastest; four on a 16-core machine).
- **When.** A job's expected length is the guard's estimate times what the lab has seen: the ratio
  of measured to estimated seconds of the last jobs of that kind (or, for a job with no estimate, the
  measured seconds themselves). The queue is then played forward over the slots.

    python -c "from lab.serve import turns; print(turns.default_slots(), turns.threads_per_slot(2))"
"""
from __future__ import annotations

import collections
import os
from pathlib import Path

KEPT = 8  # recent jobs per kind that correct the estimate


def gpus() -> int:
    """GPUs the machine has, without importing torch in the web process."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip() and d.strip() != "-1"])
    folder = Path("/proc/driver/nvidia/gpus")
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_slots() -> int:
    """LAB_WORKERS, else one slot per GPU, else one per four cores (at least one)."""
    wanted = os.environ.get("LAB_WORKERS", "").strip()
    if wanted:
        try:
            return max(1, int(wanted))
        except ValueError:
            raise ValueError(f"LAB_WORKERS must be a whole number of job slots, not '{wanted}'.") from None
    return gpus() or max(1, cores() // 4)


def threads_per_slot(slots: int) -> int:
    """Torch threads of one job: the cores divided between the slots (LAB_TORCH_THREADS overrides)."""
    wanted = int(os.environ.get("LAB_TORCH_THREADS") or 0)
    return wanted or max(1, cores() // max(1, slots))


class Turns:
    """Start-time fair queuing: a job's turn is one past its owner's previous job's turn, and never
    earlier than the turn being served now (so a newcomer is not put behind the whole history, and
    an owner who trained a lot earlier waits no longer than anyone else)."""

    def __init__(self):
        self._last: dict[str, int] = {}
        self.now = 0

    def assign(self, owner: str) -> int:
        turn = max(self._last.get(owner, -1) + 1, self.now)
        self._last[owner] = turn
        return turn

    def started(self, turn: int) -> None:
        self.now = max(self.now, turn)

    @staticmethod
    def order(queued: list) -> list:
        """`queued` (jobs with .turn, oldest first) in serving order: by turn, then first come."""
        return [job for _, _, job in sorted((job.turn, i, job) for i, job in enumerate(queued))]


class Durations:
    """What the lab has seen of each kind: measured / estimated seconds, and measured seconds."""

    def __init__(self):
        self._ratios: dict[str, collections.deque] = collections.defaultdict(lambda: collections.deque(maxlen=KEPT))
        self._seconds: dict[str, collections.deque] = collections.defaultdict(lambda: collections.deque(maxlen=KEPT))

    def seen(self, kind: str, estimate: float | None, seconds: float) -> None:
        self._seconds[kind].append(seconds)
        if estimate:
            self._ratios[kind].append(seconds / estimate)

    def expected(self, kind: str, estimate: float | None) -> float | None:
        """Expected seconds of a job of `kind` whose guard estimated `estimate` (None: not known)."""
        ratios, seconds = self._ratios.get(kind), self._seconds.get(kind)
        if estimate:
            return estimate * (sum(ratios) / len(ratios) if ratios else 1.0)
        return sum(seconds) / len(seconds) if seconds else None


def forecast(ordered: list, running: list, slots: int, now: float, expected, budget: int | None = None) -> dict:
    """{job id: (start, end)} for the queued jobs in `ordered`, played forward over `slots` and the memory
    `budget` (jobs have .memory); `expected(job)` gives a job's seconds, None where it is unknown (then
    every job behind it has no estimate either). A job never starts before the one ahead of it."""
    inf = float("inf")
    occupants = []  # (end, memory) of every job running or planned
    for job in running:
        length = expected(job)
        occupants.append((inf if length is None else max(now + 1.0, (job.started or now) + length), job.memory))
    plan, earliest = {}, now
    for job in ordered:
        start = earliest
        while True:
            active = [(end, memory) for end, memory in occupants if end > start]
            fits = not active or (len(active) < slots and (budget is None or
                                                           sum(m for _, m in active) + job.memory <= budget))
            if fits:
                break
            start = min(end for end, _ in active)
            if start == inf:
                return plan
        length = expected(job)
        if length is None:
            return plan | {job.id: (start, None)}
        plan[job.id] = (start, start + length)
        occupants.append((start + length, job.memory))
        earliest = start
    return plan
