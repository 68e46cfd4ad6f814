"""A job and what it sees while it runs: its config, a way to report (events), whether to stop.

A job reports through `JobContext.emit` and stops when `JobContext.cancelled` turns true (the
training callback checks it every step). Events are small dicts, {"t", "type", ...}, appended under
the job's lock; pages read them from the runner (lab/serve/runner.py) and redraw from what is new.
In a child process (lab/serve/child.py) the same context sends its events over a pipe instead.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lab.errors import Cancelled

MAX_EVENTS_PER_JOB = 20_000
ACTIVE = ("queued", "running")


@dataclass
class Job:
    id: str
    owner: str
    kind: str
    config: Any
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    events: list = field(default_factory=list)
    result: dict | None = None
    error: str | None = None
    budget_s: float | None = None      # wall seconds the job may run; None: no limit
    stopped_by_budget: bool = False    # the worker, not a person, set cancel_event
    cancel_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    saved: int = 0                  # events[:saved] have had their curve points written to the store
    turn: int = 0                   # its owner's turn in the queue (lab/serve/turns.py)
    key: str | None = None          # its identity (lab/serve/identity.py); None: it never joins another
    estimate_s: float | None = None  # the guard's estimate of its seconds, before the lab's correction
    memory: int = 0                 # predicted bytes while it runs (the guard's ledger)
    leader: "Job | None" = None     # the training this run follows; None: it is a training itself
    followers: list = field(default_factory=list)  # runs of other pages following this training
    left: bool = False              # its owner stopped it while others followed: the training goes on
    copied_from: float | None = None  # answered from an identical run that finished at this time


class JobContext:
    """What a running job sees: its config, a way to report, and whether it should stop."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.owner = job.owner
        self.config = job.config
        self._job = job
        self.started = time.time()

    @property
    def cancelled(self) -> bool:
        return self._job.cancel_event.is_set()

    def check_cancel(self) -> None:
        if self.cancelled:
            raise Cancelled()

    def emit(self, type: str, **fields: Any) -> None:
        self._deliver({"t": round(time.time() - self.started, 3), "type": type, **fields})

    def _deliver(self, event: dict) -> None:
        """Where events go: the job's list here; over the pipe to the parent in a child process."""
        append_event(self._job, event)

    def log(self, message: str) -> None:
        self.emit("log", message=message)


def append_event(job: Job, event: dict) -> None:
    with job.lock:
        if len(job.events) < MAX_EVENTS_PER_JOB:
            job.events.append(event)
