"""The shared background worker: one thread runs jobs one at a time, FIFO, and keeps their events.

Pages never wait on a job: they submit it with a quick handler, then poll `snapshot(job_id, since)`
from a timer and redraw from the events they have not seen. A job reports through `JobContext.emit`
and stops when `JobContext.cancelled` turns true (the training callback checks it every step).

    runner = Runner({"sleep": lambda cfg, ctx: {"slept": cfg["s"]}})
    job_id = runner.submit("browser-1", "sleep", {"s": 1})
    runner.snapshot(job_id)  # {"status": "queued" | "running" | "done", "events": [...], ...}
"""
from __future__ import annotations

import collections
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from lab.errors import Cancelled, LabError

MAX_JOBS_PER_OWNER = 2   # one running and one waiting is all a student needs
MAX_QUEUE = 30           # a class of 30, one job each
MAX_EVENTS_PER_JOB = 20_000
FINISHED_KEPT = 200      # finished jobs kept in memory for late pollers; the store keeps them all
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
    cancel_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class JobContext:
    """What a running job sees: its config, a way to report, and whether it should stop."""

    def __init__(self, job: Job):
        self.job_id = job.id
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
        event = {"t": round(time.time() - self.started, 3), "type": type, **fields}
        with self._job.lock:
            if len(self._job.events) < MAX_EVENTS_PER_JOB:
                self._job.events.append(event)

    def log(self, message: str) -> None:
        self.emit("log", message=message)


Handler = Callable[[Any, JobContext], dict]


class Runner:
    """Queue + worker thread + job table. `handlers` maps a job kind to fn(config, ctx) -> result dict."""

    def __init__(self, handlers: dict[str, Handler], store=None,
                 max_per_owner: int = MAX_JOBS_PER_OWNER, max_queue: int = MAX_QUEUE):
        self.handlers = dict(handlers)
        self.store = store
        self.max_per_owner = max_per_owner
        self.max_queue = max_queue
        self._jobs: dict[str, Job] = {}
        self._queue: collections.deque[str] = collections.deque()
        self._finished: collections.deque[str] = collections.deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._worker = threading.Thread(target=self._work, name="lab-worker", daemon=True)
        self._worker.start()

    # --- called from pages -------------------------------------------------
    def submit(self, owner: str, kind: str, config: Any) -> str:
        if kind not in self.handlers:
            raise LabError(f"Unknown job kind '{kind}'.")
        with self._cond:
            active = [j for j in self._jobs.values() if j.status in ACTIVE]
            mine = [j for j in active if j.owner == owner]
            if len(mine) >= self.max_per_owner:
                raise LabError(f"You already have {len(mine)} jobs queued or running; "
                               "wait for one to finish or stop it.")
            if len(active) >= self.max_queue:  # the running job counts: it holds the place of one
                raise LabError(f"The lab's queue is full ({self.max_queue} jobs); try again in a minute.")
            job = Job(id=uuid.uuid4().hex, owner=owner, kind=kind, config=config)
            self._jobs[job.id] = job
            self._queue.append(job.id)
            if self.store is not None:
                self.store.create_run(job.id, kind, owner, config)
            self._cond.notify()
            return job.id

    def cancel(self, job_id: str, owner: str | None = None) -> bool:
        """Stop a job: a queued one at once, a running one at its next step. False if not found or not active."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or (owner is not None and job.owner != owner) or job.status not in ACTIVE:
                return False
            job.cancel_event.set()
            if job.status == "queued":
                self._queue.remove(job_id)
                self._finish(job, "cancelled", None, None)
            return True

    def snapshot(self, job_id: str, since: int = 0) -> dict | None:
        """The job's state and the events after cursor `since`; `cursor` is where to ask next time."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            position = self._queue.index(job_id) + 1 if job.status == "queued" else 0
        with job.lock:
            events = job.events[since:]
            cursor = len(job.events)
        return {"id": job.id, "kind": job.kind, "owner": job.owner, "status": job.status,
                "position": position, "events": events, "cursor": cursor, "result": job.result,
                "error": job.error, "created": job.created, "started": job.started,
                "finished": job.finished}

    def jobs(self, owner: str | None = None, kind: str | None = None) -> list[dict]:
        """Newest first: id, kind, status, owner of every job kept in memory."""
        with self._cond:
            found = [j for j in self._jobs.values()
                     if (owner is None or j.owner == owner) and (kind is None or j.kind == kind)]
        found.sort(key=lambda j: j.created, reverse=True)
        return [{"id": j.id, "kind": j.kind, "status": j.status, "owner": j.owner} for j in found]

    def latest(self, owner: str, kind: str) -> str | None:
        """The owner's newest job of this kind (a reloaded page finds its job again through it)."""
        found = self.jobs(owner=owner, kind=kind)
        return found[0]["id"] if found else None

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopping = True
            for job_id in self._queue:
                self._jobs[job_id].cancel_event.set()
            running = [j for j in self._jobs.values() if j.status == "running"]
            for job in running:
                job.cancel_event.set()
            self._cond.notify_all()
        self._worker.join(timeout)

    # --- the worker --------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._jobs[self._queue.popleft()]
                job.status, job.started = "running", time.time()
            ctx = JobContext(job)
            ctx.emit("status", status="running")
            try:
                result = self.handlers[job.kind](job.config, ctx)
                if ctx.cancelled:
                    raise Cancelled()
                with self._cond:
                    self._finish(job, "done", result or {}, None)
            except Cancelled:
                with self._cond:
                    self._finish(job, "cancelled", None, "Stopped by the user.")
            except LabError as exc:
                with self._cond:
                    self._finish(job, "failed", None, str(exc))
            except Exception as exc:  # a failed job must never take the worker down
                ctx.emit("log", message=traceback.format_exc())
                with self._cond:
                    self._finish(job, "failed", None, f"The job failed: {type(exc).__name__}: {exc}")

    def _finish(self, job: Job, status: str, result: dict | None, error: str | None) -> None:
        """Called with self._cond held."""
        job.status, job.result, job.error, job.finished = status, result, error, time.time()
        with job.lock:
            job.events.append({"t": round(job.finished - (job.started or job.created), 3),
                               "type": "status", "status": status, "error": error})
        if self.store is not None:
            try:
                self.store.finish_run(job.id, status, result, error, job.events)
            except Exception as exc:  # the store must not break the worker either
                job.error = (error or "") + f" (the run could not be saved: {exc})"
        self._finished.append(job.id)
        while len(self._finished) > FINISHED_KEPT:
            self._jobs.pop(self._finished.popleft(), None)
