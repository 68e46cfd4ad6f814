"""Helpers shared by the tabs: the browser's owner id, following a job on the shared worker, HTML bits.

A tab that trains calls `job_panel(...)` once: it adds a status line, a Stop button and a 0.5 s timer
that follows a job (this browser's active job, else the run its watch link names, else the run the
instructor pinned, else this browser's last one; never a stranger's by default) and redraws the tab's
outputs from the job's events through the tab's own `render` function, once per new event for all
pages together (`Views`; docs/watching.md explains the whole path).

The owner component holds a signed token (lab/serve/owners.py); every handler turns it into the owner id
with `owner_of`, so a forged or stale token owns nothing.
"""
from __future__ import annotations

import collections
import itertools
import threading
from typing import Callable

import gradio as gr

from lab.errors import LabError
from lab.serve.job import ACTIVE
from lab.ui.i18n import LANG_JS, PAGE_LANG, lang_box, language, localise, tr, translated, with_lang
from lab.ui.owner import owner_of

# The page's watch state (the run named by ?run=ID), made by app.py before the tabs are built.
PAGE: dict = {"watch": None}

POLL_SECONDS = 0.5


def pinned_run(runner, kind: str) -> str | None:
    store = getattr(runner, "store", None)
    return store.pins().get(kind) if store is not None else None


def follow(runner, owner: str, kind: str, watch: str | None = None) -> str | None:
    """Which job a page shows: its own active job, the run its watch link names, the run the instructor
    pinned for this tab, its own last one. Never a stranger's otherwise: a linked or pinned run is
    followed only while it is the viewer's own or shared, asked again on every tick, so unsharing
    stops the pages that already watch it."""
    mine = runner.jobs(owner=owner, kind=kind) if owner else []
    if mine and mine[0]["status"] in ACTIVE:
        return mine[0]["id"]
    store = getattr(runner, "store", None)  # a bare Runner (no history) has no sharing to take back
    for run_id in (watch, pinned_run(runner, kind)):
        snap = runner.snapshot(run_id, 10 ** 9) if run_id else None  # no events: only its kind and owner
        if snap is not None and snap["kind"] == kind and (
                store is None or snap["owner"] == owner or run_id in store.shared_ids()):
            return run_id
    return mine[0]["id"] if mine else None


PRECISION_TEXT = {"bf16": "· trains in bf16 (mixed precision: this machine computes bf16 natively)",
                  "fp32": "· trains in fp32"}


def precision_text(snap: dict) -> str:
    """What precision the run trained in (its last `precision` event, else its result), for beside the status."""
    event = next((e for e in reversed(snap.get("all_events", [])) if e.get("type") == "precision"), None)
    chosen = event["precision"] if event else (snap.get("result") or {}).get("precision")
    return " " + tr(PRECISION_TEXT[chosen]) if chosen in PRECISION_TEXT else ""


def status_text(snap: dict, owner: str) -> str:
    """The status line: where the job stands, and the precision it trains in once it has started."""
    text = _status(snap, owner)
    return text + precision_text(snap) if snap["status"] != "queued" else text


def _status(snap: dict, owner: str) -> str:
    whose = "" if snap["owner"] == owner else tr(" (shared with the class)")
    status = snap["status"]
    notices = " ".join(translated(e["message"]) for e in snap.get("all_events", []) if e.get("type") == "notice")
    together = " " + tr("One training for every page that asked for the same.") if snap.get("joined") else ""
    if status == "queued":
        return (queued_text(snap, whose) + together + " " + notices).strip()
    if status == "running":
        step = next((e for e in reversed(snap.get("all_events", [])) if e.get("type") == "step"), None)
        if step:
            method = f" {step['method']}:" if "method" in step else ""
            return tr("**Running**{whose}:{method} step {step}/{max_steps}, {per_step:.2f} s/step, "
                      "about {eta:.0f} s left.", whose=whose, method=method, step=step["step"],
                      max_steps=step.get("max_steps", "?"), per_step=step.get("seconds_per_step", 0),
                      eta=step.get("eta", 0)) + together
        last_log = next((e for e in reversed(snap.get("all_events", [])) if e.get("type") == "log"), None)
        what = translated(last_log["message"]) if last_log else tr("starting")  # f-strings too (ko_logs)
        return tr("**Running**{whose}: {what}", whose=whose, what=what.rstrip(".…") + "…")
    took = (snap["finished"] or 0) - (snap["started"] or snap["created"])
    if status == "done" and snap.get("copied_from"):
        return copied_text(snap, whose)
    if status == "done":
        return tr("**Done** in {took:.1f} s{whose}.", took=took, whose=whose) + together + (
            " " + translated(snap["error"]) if snap.get("error") else "")
    if status == "cancelled":
        return tr("**Stopped**{whose}: {why}", whose=whose,
                  why=translated(snap["error"]) if snap["error"] else tr("what finished before is kept."))
    return tr("**Failed**{whose}: {error}", whose=whose, error=translated(snap["error"]))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return tr("{n} s", n=max(1, round(seconds / 5) * 5))
    return tr("{n} min", n=round(seconds / 60))


def queued_text(snap: dict, whose: str) -> str:
    """Where a waiting job stands: its place, and when it should start and end (from the jobs ahead)."""
    text = tr("**Queued**, position {position} of {waiting}{whose}.", position=snap["position"],
              waiting=max(snap.get("queue_length") or 0, snap["position"]), whose=whose)
    if snap.get("starts_in") is not None and snap.get("ends_in") is not None:
        text += " " + tr("Expected to start in about {start} and to end in about {end}.",
                         start=_duration(snap["starts_in"]), end=_duration(snap["ends_in"]))
    elif snap.get("starts_in") is not None:
        text += " " + tr("Expected to start in about {start}.", start=_duration(snap["starts_in"]))
    slots = snap.get("slots", 1)
    return text + " " + (tr("The lab runs one job at a time.") if slots == 1
                         else tr("The lab runs {slots} jobs at a time.", slots=slots))


def copied_text(snap: dict, whose: str) -> str:
    """A run answered at once from an identical one that finished: said plainly."""
    minutes = (snap["created"] - snap["copied_from"]) / 60
    if minutes < 1:
        return tr("**Done**{whose}: identical settings and data trained less than a minute ago: shown at once.",
                  whose=whose)
    return tr("**Done**{whose}: identical settings and data trained {minutes} minutes ago: shown at once.",
              whose=whose, minutes=round(minutes))


QUEUE_FIELDS = ("position", "queue_length", "starts_in", "ends_in")  # change as the queue moves, without an event


class Views:
    """One tab's rendered view of each job, computed once per (job, language, cursor, status) for every page.

    Thirty pages ticking twice a second would otherwise each rebuild the same figures from the same
    events. A frame holds the rendered values (figures already as plotly JSON, so gradio does not
    encode them again for each page) and a version per output that changes only when that output
    does: a page is sent just the outputs whose version it has not seen, and nothing when it is
    up to date. A page that has seen nothing (a late joiner) gets every output, whole curves included.
    Text and figure titles are drawn in the page's language, so a job has at most one frame per
    language (two), never one per page.
    """

    KEPT = 16  # frames kept: (job, language) pairs; pages follow the running job or one of the last few

    def __init__(self, runner, render: Callable[[list, dict], list]):
        self.runner, self.render = runner, render
        self._frames: collections.OrderedDict[tuple, dict] = collections.OrderedDict()
        self._locks: dict[tuple, threading.Lock] = collections.defaultdict(threading.Lock)
        self._versions = itertools.count(1)
        self._guard = threading.Lock()

    def frame(self, job_id: str, lang: str = "en") -> dict | None:
        """{"snap", "events", "values", "versions"} for the job as it is now; None if it is gone."""
        key = (job_id, language(lang))
        with self._guard:
            lock = self._locks[key]
        with lock:  # one page renders, the others wait for and share its frame
            with self._guard:
                old = self._frames.get(key)
            snap = self.runner.snapshot(job_id, old["snap"]["cursor"] if old else 0)
            if snap is None:
                return None
            if old is not None and not snap["events"] and snap["status"] == old["snap"]["status"]:
                old["snap"] = {**old["snap"], **{k: snap[k] for k in QUEUE_FIELDS}}
                return old
            events = (old["events"] if old else []) + snap["events"]
            snap = {**snap, "all_events": events}
            reset = PAGE_LANG.set(key[1])  # render's text and figures in this frame's language
            try:
                values = [_encoded(localise(v)) for v in self.render(events, snap)]
            finally:
                PAGE_LANG.reset(reset)
            versions = []
            for i, value in enumerate(values):
                if old is not None and _same(value, old["values"][i]):
                    values[i] = old["values"][i]
                    versions.append(old["versions"][i])
                else:
                    versions.append(next(self._versions))
            frame = {"snap": snap, "events": events, "values": values, "versions": versions}
            with self._guard:
                self._frames[key] = frame
                self._frames.move_to_end(key)
                while len(self._frames) > self.KEPT:
                    gone, _ = self._frames.popitem(last=False)
                    self._locks.pop(gone, None)
            return frame


def _encoded(value):
    """A plotly figure as gradio's PlotData (its JSON, made once); anything else as it is."""
    if hasattr(value, "to_plotly_json"):
        from gradio.components.plot import PlotData
        return PlotData(type="plotly", plot=value.to_json())
    return value


def _same(a, b) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # values whose == is not a plain truth value (arrays)
        return False


def page_update(views: Views, kind: str, owner_id: str, state: dict | None, n_outputs: int,
                watch: str | None = None, lang: str = "en") -> list:
    """One page's tick: [its new state, status line, *outputs], gr.skip() for whatever it already has."""
    nothing = [gr.skip()] * (2 + n_outputs)
    lang = language(lang)
    job_id = follow(views.runner, owner_id, kind, watch)
    if job_id is None and state and state.get("id") == watch:  # the watched run was unshared or deleted
        reset = PAGE_LANG.set(lang)
        try:
            return [None, tr("This run is no longer shared with the class."), *nothing[2:]]
        finally:
            PAGE_LANG.reset(reset)
    frame = views.frame(job_id, lang) if job_id is not None else None
    if frame is None:
        return nothing
    snap = frame["snap"]
    same_job = bool(state) and state.get("id") == job_id
    seen = state["versions"] if same_job else [None] * n_outputs
    queue = [snap["position"], round((snap.get("starts_in") or 0) / 10)]  # a waiting page hears the queue move
    if same_job and (state["cursor"], state["status"], state.get("lang", "en"), state.get("queue", queue)) == (
            snap["cursor"], snap["status"], lang, queue):
        return nothing  # most ticks: no new event since this page's last one
    changed = [value if version != had else gr.skip()
               for value, version, had in zip(frame["values"], frame["versions"], seen)]
    shared_training = bool(snap.get("joined") or snap.get("copied_from")) and snap["owner"] == owner_id
    state = {"id": job_id, "status": snap["status"], "cursor": snap["cursor"], "versions": frame["versions"],
             "lang": lang, "queue": queue, "afresh": shared_training}
    reset = PAGE_LANG.set(lang)
    try:
        return [state, status_text(snap, owner_id), *changed]
    finally:
        PAGE_LANG.reset(reset)


def job_panel(runner, kind: str, owner: gr.BrowserState, outputs: list,
              render: Callable[[list, dict], list]) -> dict:
    """Status line + Stop button + timer for one tab. `render(events, snap)` -> values for `outputs`."""
    job_state = gr.State(None)  # {"id", "status", "cursor", "versions"}: what this page has been sent
    watch = PAGE["watch"] or gr.State(None)
    with gr.Row():
        status = gr.Markdown("No job yet.", elem_id=f"{kind}-status")
        stop = gr.Button("Stop", variant="stop", elem_id=f"{kind}-stop", scale=0, min_width=100)
        # shown for a run that shared an identical training: the same settings, trained for this page alone
        afresh = gr.Button("Train afresh", elem_id=f"{kind}-afresh", scale=0, min_width=140, visible=False)
    timer = gr.Timer(POLL_SECONDS, active=False)  # app.py turns it on while its tab is open
    lang = lang_box()  # status lines and figures are drawn on the server, in the page's language
    views = Views(runner, render)

    async def tick(token, watched, state, page_lang):
        # On the server's event loop: no thread hand-off, and nothing in it waits. Its inputs arrive
        # unprocessed (the token and the language are plain strings; States need no preprocessing).
        updates = page_update(views, kind, owner_of(token), state, len(outputs), watched, page_lang)
        new_state = updates[0]  # a dict this page is sent, or gradio's skip
        fresh = gr.Button(visible=new_state["afresh"]) if isinstance(new_state, dict) and "afresh" in new_state \
            else gr.skip()
        return [*updates, fresh]

    timer.tick(tick, [owner, watch, job_state, lang], [job_state, status, *outputs, afresh], concurrency_limit=None,
               show_progress="hidden", queue=False, api_name=f"{kind}_tick", js=LANG_JS, preprocess=False)

    def stop_job(token, state):
        owner_id = owner_of(token)
        if not state:
            return tr("No job to stop.")
        if not runner.cancel(state["id"], owner=owner_id):
            snap = runner.snapshot(state["id"])
            if snap and snap["owner"] != owner_id:
                return tr("Only the person who started this job (or the instructor) can stop it.")
            return tr("This job has already ended.")
        return tr("**Stopping** at the end of this step…")

    stop.click(with_lang(stop_job), [owner, job_state, lang], status, queue=False, js=LANG_JS)

    def train_afresh(token, state):
        if not state:
            return tr("No run to train again.")
        try:
            runner.again(state["id"], owner_of(token))
        except LabError as exc:
            return translated(str(exc))
        return tr("**Queued**…")

    afresh.click(with_lang(train_afresh), [owner, job_state, lang], status, queue=False, js=LANG_JS)
    from lab.ui.export_box import tab_export  # it uses this module's helpers

    exports = tab_export(runner, kind, owner, job_state)
    return {"job_state": job_state, "status": status, "stop": stop, "afresh": afresh, "timer": timer, "views": views,
            **exports}


def poll_only_the_open_tab(tabs: list[tuple]) -> None:
    """Each tab's timers tick only while that tab is open: 30 pages x 3 tabs x 2 polls a second
    would otherwise cost the training job a good part of a core. `tabs`: [(gr.Tab, [gr.Timer])]."""
    every = [timer for _, timers in tabs for timer in timers]
    if not every:
        return
    def switch(mine: set):
        updates = [gr.Timer(active=id(t) in mine) for t in every]
        return updates[0] if len(updates) == 1 else updates  # one output takes a bare value

    for tab, timers in tabs:
        tab.select(lambda mine=set(map(id, timers)): switch(mine), None, every, queue=False)


def submit(runner, token: str, kind: str, config) -> str | None:
    """Queue a job (the timer picks it up): None, or the sentence that says why it was refused."""
    owner = owner_of(token)
    if not owner:
        return tr("The page has not finished loading; reload it and press the button again.")
    try:
        runner.submit(owner, kind, config)
    except LabError as exc:
        return str(exc)
    except Exception as exc:  # never a traceback on a page
        return tr("The job could not be queued ({error}); check the settings and press the button again.",
                  error=type(exc).__name__)
    return None
