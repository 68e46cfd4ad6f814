"""The shared background worker: the fair queue, the slots that run jobs, the job table, and the runner
the app and the CLI share.

Pages never wait on a job: they submit it with a quick handler, then poll `snapshot(job_id, since)`
from a timer and redraw from the events they have not seen.

`slots` worker threads each take the next training in turn (lab/serve/turns.py: owners served in
turn, the memory budget counting every running job) and hand it to the backend
(lab/serve/backend.py): with `isolate=True` (the app and the CLI) a child process per job, so
training never holds the web server's GIL and a crash fails that job only. Handlers are then
"module:function" strings (the table in lab/kinds/) or module-level functions; the in-thread mode
(the default) also takes lambdas, for tests. With `coalesce=True` identical jobs train once
(lab/serve/joining.py).

    runner = Runner({"sleep": lambda cfg, ctx: {"slept": cfg["s"]}})
    job_id = runner.submit("browser-1", "sleep", {"s": 1})
    runner.snapshot(job_id)  # {"status": "queued" | "running" | "done", "events": [...], ...}
"""
from __future__ import annotations

import os
import threading
import time
import traceback
import uuid
from typing import Any, Callable

from lab import limits
from lab.errors import LabError
from lab.kinds import JOB_KINDS
from lab.serve import child, identity, turns
from lab.serve.backend import LocalBackend
from lab.serve.job import ACTIVE, Job, JobContext
from lab.serve.history import History
from lab.serve.joining import Joining
from lab.serve.outcome import ending

MAX_JOBS_PER_OWNER = limits.MAX_JOBS_PER_OWNER
MAX_QUEUE = limits.MAX_QUEUE
SAVE_EVERY_S = 5.0       # curve points reach the store this often, so a restart keeps the curve so far
CANCEL_GRACE_S = 30.0    # a child that ignores its cancel flag this long after it was set is killed


Handler = Callable[[Any, JobContext], dict] | str  # a function, or "module:function"


class Runner(Joining):
    """Fair queue + worker slots + job table. `handlers` maps a job kind to fn(config, ctx) -> result dict.

    `check(kind, config, owner, allow_local)` runs before a job is queued: it refuses (LabError) or
    returns (config, budget_s, notices[, need]), the config with its sources fixed for this owner and
    `need` {"memory": bytes, "seconds": estimate}. `memory_budget` (bytes, None: no limit) bounds
    the predicted memory of all running jobs together.
    """

    def __init__(self, handlers: dict[str, Handler], store=None,
                 max_per_owner: int = MAX_JOBS_PER_OWNER, max_queue: int = MAX_QUEUE, check=None,
                 isolate: bool = False, preload: tuple[str, ...] = (), cancel_grace_s: float = CANCEL_GRACE_S,
                 slots: int = 1, memory_budget: int | None = None, coalesce: bool = False, backend=None):
        self.handlers = dict(handlers)
        self.store = store
        self.history = History(store) if store is not None and hasattr(store, "events") else None
        self.check = check
        self.backend = backend or LocalBackend(isolate, preload, cancel_grace_s)
        self.slots, self.memory_budget, self.coalesce = max(1, slots), memory_budget, coalesce
        self.max_per_owner = max_per_owner
        self.max_queue = max_queue
        self.durations, self.turns = turns.Durations(), turns.Turns()
        self._jobs: dict[str, Job] = {}
        self._queue: list[Job] = []      # trainings waiting, oldest first (served in turn, see _next)
        self._running: list[Job] = []    # trainings a slot is running
        self._init_finished()
        self._cond = threading.Condition()
        self._stopping = False
        self._workers = [threading.Thread(target=self._work, name=f"lab-worker-{i}", daemon=True)
                         for i in range(self.slots)]
        self._worker = self._workers[0]
        threading.Thread(target=self.backend.warm, name="lab-warm", daemon=True).start()
        for worker in self._workers:
            worker.start()
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
        trainings = len(self._queue) + len(self._running)  # a run that joins a training costs nothing
        if trainings >= self.max_queue:  # the running job counts: it holds the place of one
            raise LabError(f"The lab's queue is full ({self.max_queue} jobs); try again in a minute.")

    def submit(self, owner: str, kind: str, config: Any, allow_local: bool = False, fresh: bool = False) -> str:
        """Check, write the run row, then queue, join an identical training or answer from an identical
        finished one. `allow_local` only from the CLI (local files); `fresh` always trains."""
        if kind not in self.handlers:
            raise LabError(f"Unknown job kind '{kind}'.")
        with self._cond:
            self._room(owner)  # quick refusal before the slower checks
        budget_s, notices, need = None, [], {}
        if self.check is not None:  # outside the lock: it may read a model's config or ask the Hub
            config, budget_s, notices, *rest = self.check(kind, config, owner, allow_local)
            need = rest[0] if rest else {}
        key = identity.job_key(kind, config) if self.coalesce and not allow_local else None
        if self.coalesce and not identity.deterministic(identity.device_kind()):
            notices = [*notices, identity.NOT_REPEATABLE]
        with self._cond:
            self._room(owner)
            job = Job(id=uuid.uuid4().hex, owner=owner, kind=kind, config=config, budget_s=budget_s, key=key,
                      estimate_s=need.get("seconds"), memory=int(need.get("memory") or 0))
            job.events.extend({"t": 0.0, "type": "notice", "message": n} for n in notices)
            if self.store is not None:  # the row first: a job that runs always reaches history
                try:
                    self.store.create_run(job.id, kind, owner, config)
                except Exception as exc:
                    raise LabError(f"The run could not be saved ({type(exc).__name__}); try again.") from None
            self._jobs[job.id] = job
            same = None if fresh or key is None else self._identical(key)
            if same is None:
                job.turn = self.turns.assign(owner)
                self._queue.append(job)
                self._cond.notify_all()
            elif same in self._queue or same in self._running:
                self._join(job, same)
            else:
                self._answer_from(job, same)
            return job.id

    def again(self, job_id: str, owner: str) -> str:
        """Train the owner's run (one that joined or was answered from an identical run) afresh, on its own."""
        with self._cond:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise LabError("This run is not yours to train again; press the tab's own button instead.")
        return self.submit(owner, job.kind, job.config, fresh=True)

    def cancel(self, job_id: str, owner: str | None = None, admin: bool = False) -> bool:
        """Stop a job: a queued one at once, a running one at its next step. A run that shares its training
        with other pages leaves it (the training goes on for them). False if not found or not active.
        Only its owner (or the instructor, `admin`, who stops the whole training) may stop it."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or (not admin and owner is not None and job.owner != owner) or job.status not in ACTIVE:
                return False
            training = job.leader or job
            if not admin and self._members(training) != [job]:
                self._leave(job, training)
                return True
            training.cancel_event.set()
            if training in self._queue:
                self._queue.remove(training)
                self._end(training, "cancelled", None, "Stopped before it started.")
            return True

    def snapshot(self, job_id: str, since: int = 0) -> dict | None:
        """The job's state and the events after cursor `since`; `cursor` is where to ask next time.
        A queued job also has its position, the queue's length and the seconds until it is expected
        to start and to end (None where the lab has nothing to go on yet)."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:  # from before a restart (or long finished): as the store keeps it
                return self.history.snapshot(job_id, since) if self.history is not None else None
            position, starts_in, ends_in = self._place(job)
            waiting = len(self._queue)
        with job.lock:
            events = job.events[since:]
            cursor = len(job.events)
        return {"id": job.id, "kind": job.kind, "owner": job.owner, "status": job.status,
                "position": position, "queue_length": waiting, "starts_in": starts_in, "ends_in": ends_in,
                "slots": self.slots, "joined": job.leader is not None,
                "copied_from": job.copied_from, "events": events, "cursor": cursor, "result": job.result,
                "error": job.error, "created": job.created, "started": job.started,
                "finished": job.finished}

    def jobs(self, owner: str | None = None, kind: str | None = None) -> list[dict]:
        """Newest first: id, kind, status, owner of every job kept in memory; for an owner with none of
        this kind in memory, their newest run in the store (so a page finds its run after a restart)."""
        with self._cond:
            found = [j for j in self._jobs.values()
                     if (owner is None or j.owner == owner) and (kind is None or j.kind == kind)]
        if not found and owner and self.history is not None:
            return self.history.last(owner, kind)
        found.sort(key=lambda j: j.created, reverse=True)
        return [{"id": j.id, "kind": j.kind, "status": j.status, "owner": j.owner} for j in found]

    def memory_in_use(self) -> int:
        """Predicted bytes of every running training together (what the budget counts)."""
        with self._cond:
            return sum(j.memory for j in self._running)

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopping = True
            for job in self._queue + self._running:
                job.cancel_event.set()
            self._cond.notify_all()
        for worker in self._workers:
            worker.join(timeout)

    # --- the queue ---------------------------------------------------------
    def _ordered(self) -> list[Job]:
        return self.turns.order(self._queue)

    def _next(self) -> Job | None:
        """Called with self._cond held: the training whose turn it is, if the memory budget has room for it
        beside the running ones (never skipped for a smaller one behind it: that would starve it)."""
        ordered = self._ordered()
        if not ordered:
            return None
        first = ordered[0]
        in_use = sum(j.memory for j in self._running)
        if self._running and self.memory_budget is not None and in_use + first.memory > self.memory_budget:
            return None
        return first

    def _expected(self, job: Job) -> float | None:
        return self.durations.expected(job.kind, job.estimate_s)

    def _place(self, job: Job) -> tuple[int, float | None, float | None]:
        """Called with self._cond held: (position, starts in, ends in) of a queued job, else (0, None, None)."""
        training = job.leader or job
        if job.status != "queued" or training not in self._queue:
            return 0, None, None
        ordered = self._ordered()
        now = time.time()
        plan = turns.forecast(ordered, self._running, self.slots, now, self._expected, self.memory_budget)
        start, end = plan.get(training.id, (None, None))
        return (ordered.index(training) + 1, None if start is None else max(0.0, start - now),
                None if end is None else max(0.0, end - now))

    # --- the workers -------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._cond:
                job = None
                while not self._stopping and (job := self._next()) is None:
                    self._cond.wait()
                if self._stopping:
                    return
                self._queue.remove(job)
                self._running.append(job)
                self.turns.started(job.turn)
                job.started = time.time()
                members = self._members(job)
                for member in members:
                    member.status, member.started = "running", job.started
            for member in members:
                JobContext(member).emit("status", status="running")
            try:
                outcome = self.backend.run(job, self.handlers[job.kind], lambda e, j=job: self._relay(j, e),
                                           lambda j=job: self._check_budget(j), turns.threads_per_slot(self.slots))
            except Exception as exc:  # starting the child failed: still never take the worker down
                outcome = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
            self._settle(job, outcome)

    def _check_budget(self, job: Job) -> None:
        """Past its budget, a running job is cancelled like a Stop press, and remembers why."""
        if (job.budget_s is not None and not job.cancel_event.is_set()
                and time.time() - job.started >= job.budget_s):
            job.stopped_by_budget = True
            job.cancel_event.set()

    def _settle(self, job: Job, outcome: tuple) -> None:
        """The training's end for every run that follows it (lab/serve/outcome.py reads the outcome)."""
        status, result, error, log = ending(job, outcome)
        if log:
            self._relay(job, {"t": round(time.time() - job.started, 3), "type": "log", "message": log})
        if status == "done":
            self.durations.seen(job.kind, job.estimate_s, time.time() - job.started)
        with self._cond:
            self._running.remove(job)
            self._end(job, status, result, error)
            self._cond.notify_all()  # a slot and its memory are free

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


def handlers() -> dict:
    return dict(JOB_KINDS)


def build_runner(store=None, isolate: bool = True, slots: int | None = None, backend=None) -> Runner:
    """The runner over the process's one store, every job checked by lab.serve.guards before it is queued and
    run in a child process (isolate=False runs it on the worker thread, for tests of the queue itself),
    on `slots` slots (LAB_WORKERS, else sized to the machine) of the backend LAB_BACKEND names (default
    "local", or "ray" where LAB_RAY_ADDRESS is set), identical jobs trained once. `backend` is a backend's
    name or a backend itself."""
    from lab.serve.backend import make_backend
    from lab.serve.guards import check_job

    if store is None:
        from lab.store import get_store
        store = get_store()
    preload = child.HEAVY_MODULES if isolate else ()
    if backend is None or isinstance(backend, str):
        ray = "ray" if isolate and os.environ.get("LAB_RAY_ADDRESS", "").strip() else "local"
        backend = make_backend(backend or os.environ.get("LAB_BACKEND") or ray,
                               isolate=isolate, preload=preload, grace_s=CANCEL_GRACE_S)
    return Runner(handlers(), store=store, slots=slots or turns.default_slots(), coalesce=True,
                  memory_budget=limits.memory_budget(),
                  backend=backend,
                  check=lambda kind, config, owner, allow_local: check_job(kind, config, owner, allow_local, store))
