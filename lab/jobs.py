"""The shared background worker: one thread runs jobs one at a time, FIFO, and keeps their events.

Pages never wait on a job: they submit it with a quick handler, then poll `snapshot(job_id, since)`
from a timer and redraw from the events they have not seen. A job reports through `JobContext.emit`
and stops when `JobContext.cancelled` turns true (the training callback checks it every step).

With `isolate=True` (the app and the CLI) the worker thread runs each job in a child process
(lab/child.py): training never holds the web server's GIL, and a crash or an out-of-memory kill
fails that job only. Handlers are then "module:function" strings or module-level functions; the
in-thread mode (the default) also takes lambdas, for tests.

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
CANCEL_GRACE_S = 30.0    # a child that ignores its cancel flag this long after it was set is killed
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


Handler = Callable[[Any, JobContext], dict] | str  # a function, or "module:function"


class Runner:
    """Queue + worker thread + job table. `handlers` maps a job kind to fn(config, ctx) -> result dict."""

    def __init__(self, handlers: dict[str, Handler], store=None,
                 max_per_owner: int = MAX_JOBS_PER_OWNER, max_queue: int = MAX_QUEUE,
                 isolate: bool = False, preload: tuple[str, ...] = (), cancel_grace_s: float = CANCEL_GRACE_S):
        self.handlers = dict(handlers)
        self.store = store
        self.isolate = isolate
        self.cancel_grace_s = cancel_grace_s
        self._mp = None
        if isolate:
            from lab import child
            self._mp = child.context(preload)
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
        if self._mp is not None:
            from lab import child
            child.warm(self._mp)  # the forkserver imports torch & co. while the queue is still empty
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._jobs[self._queue.popleft()]
                job.status, job.started = "running", time.time()
            JobContext(job).emit("status", status="running")
            try:
                outcome = self._run_isolated(job) if self._mp is not None else self._run_here(job)
            except Exception as exc:  # starting the child failed: still never take the worker down
                outcome = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
            self._settle(job, outcome)

    def _run_here(self, job: Job) -> tuple:
        """The handler in this thread; a watchdog thread enforces the budget."""
        handler = self.handlers[job.kind]
        ended = threading.Event()

        def watchdog():
            while not ended.wait(0.05):
                self._check_budget(job)

        threading.Thread(target=watchdog, name="lab-budget", daemon=True).start()
        try:
            if isinstance(handler, str):
                from lab.child import load
                handler = load(handler)
            return ("result", handler(job.config, JobContext(job)))
        except Cancelled:
            return ("cancelled",)
        except LabError as exc:
            return ("error", str(exc))
        except Exception as exc:  # a failed job must never take the worker down
            return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            ended.set()

    def _run_isolated(self, job: Job) -> tuple:
        from lab import child
        return child.run_isolated(self._mp, job, self.handlers[job.kind], lambda e: append_event(job, e),
                                  lambda: self._check_budget(job), self.cancel_grace_s)

    def _check_budget(self, job: Job) -> None:
        """Past its budget, a running job is cancelled like a Stop press, and remembers why."""
        if (job.budget_s is not None and not job.cancel_event.is_set()
                and time.time() - job.started >= job.budget_s):
            job.stopped_by_budget = True
            job.cancel_event.set()

    def _settle(self, job: Job, outcome: tuple) -> None:
        """The job's end from the handler's outcome. A handler that returns after a cancel (a budget
        or a Stop press) ends "cancelled" but keeps what it returned: the methods that finished."""
        kind = outcome[0]
        stopped = ("Stopped at its time budget of {:g} s; what finished is kept.".format(job.budget_s)
                   if job.stopped_by_budget else "Stopped by the user.")
        if kind == "result" and not job.cancel_event.is_set():
            status, result, error = "done", outcome[1] or {}, None
        elif kind in ("result", "cancelled"):
            status, result, error = "cancelled", (outcome[1] or {}) if kind == "result" else None, stopped
        elif kind == "error":
            status, result, error = "failed", None, outcome[1]
        elif kind == "crash":
            append_event(job, {"t": round(time.time() - job.started, 3), "type": "log", "message": outcome[2]})
            status, result, error = "failed", None, f"The job failed: {outcome[1]}"
        else:  # "died": the child process ended without a word
            status, result, error = "failed", None, outcome[1]
        with self._cond:
            self._finish(job, status, result, error)

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
