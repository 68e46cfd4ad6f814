"""A finished training's outcome, as the status, result and sentence every run following it ends with.

A backend (lab/serve/backend.py) returns one tuple per job: ("result", value), ("cancelled", note),
("error", sentence) for a LabError, ("crash", "Type: message", traceback), ("died", sentence).
A handler that returns after a cancel (a budget or a Stop press) ends "cancelled" but keeps what it
returned: the methods that finished.
"""
from __future__ import annotations

from lab.serve.job import Job


def stop_reason(job: Job, kept: bool = True, note: str = "") -> str:
    why = f"Stopped at its time budget of {job.budget_s:g} s" if job.stopped_by_budget else "Stopped by the user"
    text = f"{why}; " + ("what finished before is kept." if kept else "nothing had finished yet.")
    text += f" {note}" if note else ""
    return text + (" Lower the steps or the batch size to fit." if job.stopped_by_budget else "")


def ending(job: Job, outcome: tuple) -> tuple[str, dict | None, str | None, str | None]:
    """(status, result, error, traceback for the log or None) of a job from its backend's outcome."""
    kind = outcome[0]
    if kind == "result" and not job.cancel_event.is_set():
        return "done", outcome[1] or {}, None, None
    if kind == "result":
        return "cancelled", outcome[1] or {}, stop_reason(job, bool(outcome[1])), None
    if kind == "cancelled":
        return "cancelled", None, stop_reason(job, False, outcome[1] if len(outcome) > 1 else ""), None
    if kind == "error":
        return "failed", None, outcome[1], None
    if kind == "crash":
        return "failed", None, f"The job failed: {outcome[1]}", outcome[2]
    return "failed", None, outcome[1], None  # "died": the child process ended without a word
