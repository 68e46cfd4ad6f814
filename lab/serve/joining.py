"""Identical jobs train once: the part of the runner that lets a run join a training or be answered
from a finished one, and ends every run that shares a training.

A training is the job that entered the queue; runs of other pages that asked for the same thing
(lab/serve/identity.py) follow it as `followers`. Every event of the training reaches each of them
as it happens, in each one's own event list (with the training's run id and upload names replaced
by the follower's own), so their pages, their history rows and their saved curves are theirs alone.
At the end each follower gets the training's outcome, its result rewritten the same way and the
files linked into its own run folder. A run identical to one that finished (done, never stopped or
failed) is answered at once from it, and says so.

Stop leaves: a run that shares its training ends for its owner alone and the training goes on for the
others; only the last one's Stop stops the training. When the training's own owner leaves, the
training keeps writing to its folder; that run's row ends when the training does, and its folder
goes once the followers have their copies.

Every method here is called with the runner's lock (`_cond`) held.
"""
from __future__ import annotations

import collections
import shutil
import time

from lab.serve import identity
from lab.serve.job import Job, append_event

FINISHED_KEPT = 200      # finished jobs kept in memory for late pollers and answers; the store keeps them all
JOINED = "Identical settings and data are training for another page already: your run follows that training live."
LEFT = "You left this training; it goes on for the others following it. Nothing was kept for this run."


class Joining:
    def _init_finished(self) -> None:
        self._finished: collections.deque[str] = collections.deque()

    @staticmethod
    def _members(training: Job) -> list[Job]:
        """The runs that still follow a training: its own (unless its owner left) and the followers'."""
        return ([] if training.left else [training]) + list(training.followers)

    def _identical(self, key: str) -> Job | None:
        """A training with this identity that is queued or running, else the newest identical run that
        finished "done" and is still in history."""
        for job in self._running + self._queue:
            if job.key == key:
                return job
        done = [j for j in self._jobs.values() if j.key == key and j.status == "done" and j.result is not None]
        for job in sorted(done, key=lambda j: j.finished, reverse=True):
            if self.store is None or self.store.get_run(job.id) is not None:  # deleted runs answer nobody
                return job
        return None

    def _adopted(self, value, source: Job, job: Job):
        return identity.adopt(value, source.id, job.id, source.config, job.config)

    def _join(self, job: Job, training: Job) -> None:
        job.leader = training
        job.status, job.started = "queued" if training in self._queue else "running", training.started
        with training.lock:
            past = [e for e in training.events if e.get("type") != "notice"]
        job.events.append({"t": 0.0, "type": "notice", "message": JOINED})
        job.events.extend(self._adopted(past, training, job))
        training.followers.append(job)

    def _answer_from(self, job: Job, source: Job) -> None:
        job.copied_from = source.copied_from or source.finished  # when the training itself ended
        job.started = job.created
        with source.lock:
            past = [e for e in source.events if e.get("type") not in ("notice", "status")]
        job.events.extend(self._adopted(past, source, job))
        self._copy_files(source, job)
        self._finish(job, "done", self._adopted(source.result, source, job), None)

    def _copy_files(self, source: Job, job: Job) -> None:
        if self.store is not None:
            identity.clone_folder(self.store.run_dir(source.id, create=False), self.store.run_dir(job.id, create=False),
                                  source.id, job.id)

    def _relay(self, training: Job, event: dict) -> None:
        """One event of a running training, to the training and to every run following it."""
        append_event(training, event)
        for follower in list(training.followers):
            append_event(follower, self._adopted(event, training, follower))

    def _leave(self, job: Job, training: Job) -> None:
        """The owner of `job` stops following `training`, which goes on for the others."""
        if job is training:
            job.left = True
            self._finish(job, "cancelled", None, LEFT, save=False)  # its row ends with the training
        else:
            training.followers.remove(job)
            self._finish(job, "cancelled", None, LEFT)

    def _end(self, training: Job, status: str, result: dict | None, error: str | None) -> None:
        """A training's end for every run following it: its outcome, its result and its files as theirs."""
        for follower in list(training.followers):
            if result is not None:
                self._copy_files(training, follower)
            adopted = self._adopted(result, training, follower) if result is not None else None
            self._finish(follower, status, adopted, error)
        training.followers.clear()
        if not training.left:
            self._finish(training, status, result, error)
            return
        if self.store is not None:  # its owner left: its row ends now, its folder goes (nothing was kept)
            try:
                self.store.finish_run(training.id, "cancelled", None, LEFT)
            except Exception:  # its page has shown it stopped already; nothing to tell
                pass
            shutil.rmtree(self.store.run_dir(training.id, create=False), ignore_errors=True)

    def _finish(self, job: Job, status: str, result: dict | None, error: str | None, save: bool = True) -> None:
        job.status, job.result, job.error, job.finished = status, result, error, time.time()
        with job.lock:
            job.events.append({"t": round(job.finished - (job.started or job.created), 3),
                               "type": "status", "status": status, "error": error})
            if save:
                unsaved, job.saved = job.events[job.saved:], len(job.events)
        if self.store is not None and save:
            try:
                self.store.finish_run(job.id, status, result, error, unsaved)
                with job.lock:
                    self.store.save_events(job.id, list(job.events))
            except Exception as exc:  # the store must not break the worker; the page shows the failure
                job.error = (error + " " if error else "") + f"The run could not be saved to history: {exc}."
        self._finished.append(job.id)
        while len(self._finished) > FINISHED_KEPT:
            self._jobs.pop(self._finished.popleft(), None)
