"""Runs from before this process: what a page follows and draws after the app restarted.

The runner keeps the jobs of this process in memory; a run from before a restart lives only in the
store (its row, its result, and the events saved with it when it ended). `History` answers the two
questions a page's tick asks about such a run, from the store, and keeps each answer a few seconds:
thirty pages tick twice a second, and a finished run does not change.
"""
from __future__ import annotations

import threading
import time

FRESH_S = 5.0   # how long an answer from the store is reused
KEPT = 256      # answers kept (owner and tab pairs, and runs)


class History:
    def __init__(self, store):
        self.store = store
        self._answers: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: tuple, make):
        now = time.monotonic()
        with self._lock:
            hit = self._answers.get(key)
            if hit and now - hit[0] < FRESH_S:
                return hit[1]
        value = make()
        with self._lock:
            if len(self._answers) >= KEPT:
                self._answers.clear()
            self._answers[key] = (now, value)
        return value

    def last(self, owner: str, kind: str | None) -> list[dict]:
        """The owner's newest run of this kind as a one-row job list, [] if none."""
        def make():
            rows = [r for r in self.store.list_runs(kind=kind, limit=50, viewer=owner) if r["owner"] == owner]
            return [{"id": r["id"], "kind": r["kind"], "status": r["status"], "owner": r["owner"]} for r in rows[:1]]
        return self._cached(("last", owner, kind), make)

    def snapshot(self, run_id: str, since: int = 0) -> dict | None:
        """A stored run as the runner's snapshot of a finished job (its events as saved when it ended)."""
        def make():
            run = self.store.get_run(run_id)
            if run is None or run["status"] in ("queued", "running"):
                return None
            return run, self.store.events(run_id)
        found = self._cached(("run", run_id), make)
        if found is None:
            return None
        run, events = found
        return {"id": run["id"], "kind": run["kind"], "owner": run["owner"], "status": run["status"],
                "position": 0, "queue_length": 0, "starts_in": None, "ends_in": None, "slots": 1, "joined": False,
                "copied_from": None, "events": events[since:], "cursor": len(events), "result": run["result"],
                "error": run["error"], "created": run["created"], "started": run["created"],
                "finished": run["finished"]}
