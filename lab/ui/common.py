"""Helpers shared by the tabs: the browser's owner id, following a job on the shared worker, HTML bits.

A tab that trains calls `job_panel(...)` once: it adds a status line, a Stop button and a 0.5 s timer
that follows the job (this browser's active job, else the class's running one, else the last one)
and redraws the tab's outputs from the job's events through the tab's own `render` function.
"""
from __future__ import annotations

import html
import uuid
from typing import Callable

import gradio as gr

from lab.errors import LabError
from lab.jobs import ACTIVE
from lab.ui.i18n import LANG_JS, lang_box, localise, tr, with_lang

POLL_SECONDS = 0.5
CHIP_COLORS = ["#dbeafe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa"]


def ensure_owner(owner: str) -> str:
    """The browser's id, made once and kept in its local storage (gr.BrowserState)."""
    return owner or uuid.uuid4().hex


def message_html(text: str, kind: str = "error") -> str:
    """One sentence in a coloured box: what went wrong and what to change."""
    return f'<div class="lab-msg lab-msg-{kind}" role="alert">{html.escape(text)}</div>'


def chips_html(tokens: list, colors: list[str] | None = None, title: str = "") -> str:
    """Tokens as coloured chips; `tokens` are strings or [token, id] pairs (the id shows under it)."""
    out = [f'<div class="lab-chips-title">{html.escape(title)}</div>' if title else "", '<div class="lab-chips">']
    for i, token in enumerate(tokens):
        text, token_id = (token if isinstance(token, (list, tuple)) else (token, None))
        color = colors[i] if colors else CHIP_COLORS[i % len(CHIP_COLORS)]
        sub = f"<sub>{token_id}</sub>" if token_id is not None else ""
        out.append(f'<span class="lab-chip" style="background:{color}">{html.escape(str(text))}{sub}</span>')
    out.append("</div>")
    return "".join(out)


def bars_html(items: list[tuple[str, float]], title: str = "") -> str:
    """Label bars (scores in 0..1), largest first."""
    rows = [f'<div class="lab-bars-title">{html.escape(title)}</div>' if title else ""]
    for label, score in items:
        pct = max(0.0, min(1.0, float(score))) * 100
        rows.append(f'<div class="lab-bar"><span class="lab-bar-label">{html.escape(str(label))}</span>'
                    f'<span class="lab-bar-track"><span class="lab-bar-fill" style="width:{pct:.1f}%"></span></span>'
                    f'<span class="lab-bar-value">{pct:.1f}%</span></div>')
    return "".join(rows)


def follow(runner, owner: str, kind: str) -> str | None:
    """Which job a page shows: its own active job, the class's active one, its own last, the class's last."""
    mine = runner.jobs(owner=owner, kind=kind) if owner else []
    if mine and mine[0]["status"] in ACTIVE:
        return mine[0]["id"]
    everyone = runner.jobs(kind=kind)
    active = [j for j in everyone if j["status"] in ACTIVE]
    if active:
        return active[-1]["id"]  # the oldest active one is the one running now
    if mine:
        return mine[0]["id"]
    return everyone[0]["id"] if everyone else None


def status_text(snap: dict, owner: str) -> str:
    whose = "" if snap["owner"] == owner else tr(" (started by someone else in the class)")
    status = snap["status"]
    if status == "queued":
        return tr("**Queued**, position {position}{whose}. The lab runs one job at a time.",
                  position=snap["position"], whose=whose)
    if status == "running":
        step = next((e for e in reversed(snap.get("all_events", [])) if e.get("type") == "step"), None)
        if step:
            method = f" {step['method']}:" if "method" in step else ""
            return tr("**Running**{whose}:{method} step {step}/{max_steps}, {per_step:.2f} s/step, "
                      "about {eta:.0f} s left.", whose=whose, method=method, step=step["step"],
                      max_steps=step.get("max_steps", "?"), per_step=step.get("seconds_per_step", 0),
                      eta=step.get("eta", 0))
        last_log = next((e for e in reversed(snap.get("all_events", [])) if e.get("type") == "log"), None)
        return tr("**Running**{whose}: {what}.", whose=whose,
                  what=tr(last_log["message"]) if last_log else tr("starting"))
    took = (snap["finished"] or 0) - (snap["started"] or snap["created"])
    if status == "done":
        return tr("**Done** in {took:.1f} s{whose}.", took=took, whose=whose)
    if status == "cancelled":
        return tr("**Stopped**{whose}.", whose=whose)
    return tr("**Failed**{whose}: {error}", whose=whose, error=snap["error"])


def job_panel(runner, kind: str, owner: gr.BrowserState, outputs: list,
              render: Callable[[list, dict], list]) -> dict:
    """Status line + Stop button + timer for one tab. `render(events, snap)` -> values for `outputs`."""
    job_state = gr.State(None)  # {"id", "cursor", "events", "status"}
    with gr.Row():
        status = gr.Markdown("No job yet.", elem_id=f"{kind}-status")
        stop = gr.Button("Stop", variant="stop", elem_id=f"{kind}-stop", scale=0, min_width=100)
    timer = gr.Timer(POLL_SECONDS, active=False)  # app.py turns it on while its tab is open
    lang = lang_box()  # status lines and figures are drawn on the server, in the page's language

    def tick(owner_id, state):
        job_id = follow(runner, owner_id, kind)
        if job_id is None:
            return [gr.skip()] * (2 + len(outputs))
        if state is None or state.get("id") != job_id:
            state = {"id": job_id, "cursor": 0, "events": [], "status": None}
        snap = runner.snapshot(job_id, state["cursor"])
        if snap is None or (not snap["events"] and snap["status"] == state["status"]):
            return [gr.skip()] * (2 + len(outputs))
        state = {**state, "events": state["events"] + snap["events"], "cursor": snap["cursor"],
                 "status": snap["status"]}
        snap["all_events"] = state["events"]
        return [state, status_text(snap, owner_id), *map(localise, render(state["events"], snap))]

    timer.tick(with_lang(tick), [owner, job_state, lang], [job_state, status, *outputs], concurrency_limit=None,
               show_progress="hidden", queue=False, js=LANG_JS)

    def stop_job(owner_id, state):
        if not state:
            return tr("No job to stop.")
        if not runner.cancel(state["id"], owner=owner_id):
            snap = runner.snapshot(state["id"])
            if snap and snap["owner"] != owner_id:
                return tr("Only the person who started this job can stop it.")
            return tr("This job has already ended.")
        return tr("**Stopping** at the end of this step…")

    stop.click(with_lang(stop_job), [owner, job_state, lang], status, queue=False, js=LANG_JS)
    return {"job_state": job_state, "status": status, "stop": stop, "timer": timer}


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


def submit(runner, owner: str, kind: str, config) -> str | None:
    """Queue a job (the timer picks it up): None, or the sentence that says why it was refused."""
    if not owner:
        return tr("The page has not finished loading; wait a second and press the button again.")
    try:
        runner.submit(owner, kind, config)
    except LabError as exc:
        return str(exc)
    return None
