"""The shared background worker: the queue, one worker thread, the job table, and the runner the app
and the CLI share.

Pages never wait on a job: they submit it with a quick handler, then poll `snapshot(job_id, since)`
from a timer and redraw from the events they have not seen.

With `isolate=True` (the app and the CLI) the worker thread runs each job in a child process
(lab/serve/child.py): training never holds the web server's GIL, and a crash or an out-of-memory
kill fails that job only. Handlers are then "module:function" strings (the table in lab/kinds/) or
module-level functions; the in-thread mode (the default) also takes lambdas, for tests.

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
from typing import Any, Callable

from lab import limits
from lab.errors import Cancelled, LabError
from lab.kinds import JOB_KINDS
from lab.serve import child
from lab.serve.job import ACTIVE, Job, JobContext, append_event

MAX_JOBS_PER_OWNER = limits.MAX_JOBS_PER_OWNER
MAX_QUEUE = limits.MAX_QUEUE
SAVE_EVERY_S = 5.0       # curve points reach the store this often, so a restart keeps the curve so far
FINISHED_KEPT = 200      # finished jobs kept in memory for late pollers; the store keeps them all
CANCEL_GRACE_S = 30.0    # a child that ignores its cancel flag this long after it was set is killed


Handler = Callable[[Any, JobContext], dict] | str  # a function, or "module:function"


class Runner:
    """Queue + worker thread + job table. `handlers` maps a job kind to fn(config, ctx) -> result dict.

    `check(kind, config, owner, allow_local)` runs before a job is queued: it refuses (LabError) or
    returns (config, budget_s, notices), the config with its sources fixed for this owner.
    """

    def __init__(self, handlers: dict[str, Handler], store=None,
                 max_per_owner: int = MAX_JOBS_PER_OWNER, max_queue: int = MAX_QUEUE, check=None,
                 isolate: bool = False, preload: tuple[str, ...] = (), cancel_grace_s: float = CANCEL_GRACE_S,
                 backend=None):
        self.handlers = dict(handlers)
        self.backend = backend  # a RayBackend (lab/serve/ray_backend.py) runs jobs instead of child processes
        self.store = store
        self.check = check
        self.isolate = isolate
        self.cancel_grace_s = cancel_grace_s
        self._mp = None
        if isolate and backend is None:
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
        self._saver = threading.Thread(target=self._watch, name="lab-saver", daemon=True)
        self._saver.start()

    # --- called from pages -------------------------------------------------
    def _room(self, owner: str) -> None:
        """Called with self._cond held: refuse when the owner or the lab has no room left."""
        active = [j for j in self._jobs.values() if j.status in ACTIVE]
        mine = [j for j in active if j.owner == owner]
        if len(mine) >= self.max_per_owner:
            raise LabError(f"You already have {len(mine)} jobs queued or running; "
                           "wait for one to finish or stop it.")
        if len(active) >= self.max_queue:  # the running job counts: it holds the place of one
            raise LabError(f"The lab's queue is full ({self.max_queue} jobs); try again in a minute.")

    def submit(self, owner: str, kind: str, config: Any, allow_local: bool = False) -> str:
        """Check, write the run row, then queue. `allow_local` only from the CLI (local files)."""
        if kind not in self.handlers:
            raise LabError(f"Unknown job kind '{kind}'.")
        with self._cond:
            self._room(owner)  # quick refusal before the slower checks
        budget_s, notices = None, []
        if self.check is not None:  # outside the lock: it may read a model's config or ask the Hub
            config, budget_s, notices = self.check(kind, config, owner, allow_local)
        with self._cond:
            self._room(owner)
            job = Job(id=uuid.uuid4().hex, owner=owner, kind=kind, config=config, budget_s=budget_s)
            job.events.extend({"t": 0.0, "type": "notice", "message": n} for n in notices)
            if self.store is not None:  # the row first: a job that runs always reaches history
                try:
                    self.store.create_run(job.id, kind, owner, config)
                except Exception as exc:
                    raise LabError(f"The run could not be saved ({type(exc).__name__}); try again.") from None
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self._cond.notify()
            return job.id

    def cancel(self, job_id: str, owner: str | None = None, admin: bool = False) -> bool:
        """Stop a job: a queued one at once, a running one at its next step. False if not found or not active.
        Only its owner (or the instructor, `admin`) may stop it."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or (not admin and owner is not None and job.owner != owner) or job.status not in ACTIVE:
                return False
            job.cancel_event.set()
            if job.status == "queued":
                self._queue.remove(job_id)
                self._finish(job, "cancelled", None, "Stopped before it started.")
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
                away = self._mp is not None or self.backend is not None
                outcome = self._run_isolated(job) if away else self._run_here(job)
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
                handler = child.load(handler)
            return ("result", handler(job.config, JobContext(job)))
        except Cancelled as exc:  # its message, if any, says why nothing partial could be kept
            return ("cancelled", str(exc))
        except LabError as exc:
            return ("error", str(exc))
        except Exception as exc:  # a failed job must never take the worker down
            return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            ended.set()

    def _run_isolated(self, job: Job) -> tuple:
        run = self.backend.run if self.backend is not None else lambda *a: child.run_isolated(self._mp, *a)
        return run(job, self.handlers[job.kind], lambda e: append_event(job, e),
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
        if kind == "result" and not job.cancel_event.is_set():
            status, result, error = "done", outcome[1] or {}, None
        elif kind == "result":
            status, result, error = "cancelled", outcome[1] or {}, self._stop_reason(job, bool(outcome[1]))
        elif kind == "cancelled":
            note = outcome[1] if len(outcome) > 1 else ""
            status, result, error = "cancelled", None, self._stop_reason(job, False, note)
        elif kind == "error":
            status, result, error = "failed", None, outcome[1]
        elif kind == "crash":
            append_event(job, {"t": round(time.time() - job.started, 3), "type": "log", "message": outcome[2]})
            status, result, error = "failed", None, f"The job failed: {outcome[1]}"
        else:  # "died": the child process ended without a word
            status, result, error = "failed", None, outcome[1]
        with self._cond:
            self._finish(job, status, result, error)

    @staticmethod
    def _stop_reason(job: Job, kept: bool = True, note: str = "") -> str:
        why = f"Stopped at its time budget of {job.budget_s:g} s" if job.stopped_by_budget else "Stopped by the user"
        text = f"{why}; " + ("what finished before is kept." if kept else "nothing had finished yet.")
        text += f" {note}" if note else ""
        return text + (" Lower the steps or the batch size to fit." if job.stopped_by_budget else "")

    def _watch(self) -> None:
        """Every few seconds: write running jobs' new curve points (the budget is the worker's watchdog's)."""
        last_save = time.monotonic()
        while not self._stopping:
            time.sleep(0.5)
            with self._cond:
                running = [j for j in self._jobs.values() if j.status == "running"]
            save = self.store is not None and time.monotonic() - last_save >= SAVE_EVERY_S
            last_save = time.monotonic() if save else last_save
            for job in running:
                if save:
                    with job.lock:
                        new, job.saved = job.events[job.saved:], len(job.events)
                    try:
                        self.store.add_points(job.id, new)
                    except Exception:  # the finish writes what failed here is lost; the job goes on
                        pass

    def _finish(self, job: Job, status: str, result: dict | None, error: str | None) -> None:
        """Called with self._cond held."""
        job.status, job.result, job.error, job.finished = status, result, error, time.time()
        with job.lock:
            job.events.append({"t": round(job.finished - (job.started or job.created), 3),
                               "type": "status", "status": status, "error": error})
            unsaved, job.saved = job.events[job.saved:], len(job.events)
        if self.store is not None:
            try:
                self.store.finish_run(job.id, status, result, error, unsaved)
            except Exception as exc:  # the store must not break the worker; the page shows the failure
                job.error = (error + " " if error else "") + f"The run could not be saved to history: {exc}."
        self._finished.append(job.id)
        while len(self._finished) > FINISHED_KEPT:
            self._jobs.pop(self._finished.popleft(), None)


def handlers() -> dict:
    return dict(JOB_KINDS)


def build_runner(store=None, isolate: bool = True, backend=None) -> Runner:
    """The runner over the process's one store, every job checked by lab.serve.guards before it is queued and
    run in a child process, or on the Ray cluster LAB_RAY_ADDRESS names (`backend` replaces that choice);
    isolate=False runs it on the worker thread, for tests of the queue itself."""
    from lab.serve.guards import check_job
    from lab.serve.ray_backend import from_env

    backend = backend or (from_env() if isolate else None)

    if store is None:
        from lab.store import get_store
        store = get_store()
    return Runner(handlers(), store=store, isolate=isolate, preload=child.HEAVY_MODULES if isolate else (),
                  backend=backend,
                  check=lambda kind, config, owner, allow_local: check_job(kind, config, owner, allow_local, store))
