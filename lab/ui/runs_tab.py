"""The Run history tab: your runs and the runs shared with the class, from the store, across restarts.

Pick a run to see its settings, figures and curves. Its owner shares it with one click (which gives a
read-only watch link, `?run=ID`, that opens its tab on it), stops it, deletes it or downloads its
files. With LAB_ADMIN_TOKEN set on the server, an instructor who types it sees every run, stops any
job, shares any run and pins one for the whole class to watch; without it nothing here mentions it.
The export box below (lab/ui/export_box.py) turns the picked run into a script, a report or a Hub upload.
"""
from __future__ import annotations

import datetime
import json

import gradio as gr

from lab import sources
from lab.errors import LabError
from lab.serve import owners
from lab.store import STILL_WRITING, get_store
from lab.teach.figures import empty_figure
from lab.ui import export_box
from lab.ui.html import message_html
from lab.ui.i18n import LANG_JS, lang_box, localise, tr, with_lang
from lab.ui.owner import owner_of

COLUMNS = ["run", "tab", "status", "started", "seconds", "yours", "shared"]
TAB_OF_KIND = {"tokenizer": "tokenizer", "pretrain": "pretrain", "finetune": "finetune", "sft": "sft", "dpo": "sft",
               "reward": "sft", "rl": "sft"}


def table(owner: str, store, admin: bool = False) -> list[list]:
    rows = []
    for run in store.list_runs(limit=200, viewer=None if admin else owner):
        took = f"{run['finished'] - run['created']:.0f}" if run["finished"] else ""
        when = datetime.datetime.fromtimestamp(run["created"]).strftime("%d %b %H:%M")
        rows.append([run["id"], run["kind"], run["status"], when, took, "✓" if run["owner"] == owner else "",
                     "✓" if run["shared"] else ""])
    return rows


def table_value(owner: str, store, admin: bool = False) -> dict:
    """The table with its headers in the page's language (gradio does not translate a Dataframe's headers)."""
    return {"headers": [tr(c) for c in COLUMNS], "data": table(owner, store, admin)}


def shown_settings(run: dict) -> dict:
    """What a page shows of a run: upload paths become file names (the server's folders stay private)."""
    def clean(value):
        if isinstance(value, str) and ("/" in value or "\\" in value) and value.startswith(("/", "\\")):
            return value.replace("\\", "/").rsplit("/", 1)[-1]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    return clean({k: run[k] for k in ("id", "kind", "status", "error", "shared", "config", "result")})


def curves_figure(run: dict):
    import plotly.graph_objects as go

    from lab.teach.figures import LAYOUT, PALETTE

    series = {k: v for k, v in run["curves"].items() if k.endswith("/loss") or "perplexity" in k
              or "margin" in k or k.endswith("eval_loss")}
    if not series:
        return empty_figure("Curves", "This run logged no curve.")
    fig = go.Figure()
    for i, (name, points) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], name=name,
                                 mode="lines", line=dict(color=PALETTE[i % len(PALETTE)])))
    fig.update_layout(title="Curves saved with the run", xaxis_title="step", **LAYOUT)
    return fig


def watch_link(run_id: str) -> str:
    return f"?run={run_id}"


def actions(runner, store):
    """The owner's (or instructor's) actions on a picked run; each returns (message, refreshed table)."""
    def guarded(token, admin_typed, run_id, need_owner=True):
        owner, admin = owner_of(token), owners.is_admin(admin_typed)
        if not run_id:
            raise LabError("Pick a run in the table first.")
        run = sources.readable_run(run_id, owner, store, admin=admin)
        if need_owner and run["owner"] != owner and not admin:
            raise LabError("Only the person who started this run (or the instructor) can do that.")
        return owner, admin, run

    def share(token, admin_typed, run_id):
        owner, admin, run = guarded(token, admin_typed, run_id)
        store.set_shared(run_id, not run["shared"])
        if run["shared"]:
            return message_html("This run is private again.", "ok")
        return message_html(tr("Shared with the class. Watch link: {link} (read-only).", link=watch_link(run_id)), "ok")

    def stop(token, admin_typed, run_id):
        owner, admin, run = guarded(token, admin_typed, run_id)
        if runner.cancel(run_id, owner=owner, admin=admin):
            return message_html("Stopping at the end of this step; what finished is kept.", "ok")
        return message_html("This run is not queued or running any more.", "info")

    def delete(token, admin_typed, run_id):
        owner, admin, run = guarded(token, admin_typed, run_id)
        if run["status"] in ("queued", "running"):
            raise LabError("Stop this run before deleting it.")
        store.delete_run(run_id)
        return message_html("Deleted, with its files.", "ok")

    def pin(token, admin_typed, run_id):
        if not owners.is_admin(admin_typed):
            raise LabError("Only the instructor can pin a run for the class.")
        run = guarded(token, admin_typed, run_id, need_owner=False)[2]
        store.pin(run["kind"], run_id)
        return message_html("Pinned: every page without a job of its own now watches this run.", "ok")

    def wrap(fn):
        def handler(token, admin_typed, run_id):
            try:
                note = fn(token, admin_typed, run_id)
            except LabError as exc:
                note = message_html(str(exc))
            return note, table_value(owner_of(token), store, owners.is_admin(admin_typed))
        return handler

    return {name: wrap(fn) for name, fn in (("share", share), ("stop", stop), ("delete", delete), ("pin", pin))}


def build(runner, owner) -> dict:
    store = runner.store or get_store()
    gr.Markdown("Your runs and the runs shared with the class, kept across restarts of the app. "
                "Click a row to see its settings, figures and curves; share your run to give the class "
                "a read-only watch link.")
    admin = gr.BrowserState("", storage_key="fine-tuning-lab-instructor", secret=owners.browser_secret())
    with gr.Row():
        refresh = gr.Button("Refresh", elem_id="runs-refresh", scale=0)
        typed = gr.Textbox(type="password", label="Instructor token", visible=owners.admin_enabled(),
                           elem_id="runs-admin", scale=1)
    runs = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, elem_id="runs-table", wrap=True)
    picked = gr.Textbox("", label="Run (click a row, or paste a run id and press Enter)", elem_id="runs-picked")
    with gr.Row():
        share = gr.Button("Share / unshare", elem_id="runs-share", scale=0)
        stop = gr.Button("Stop", variant="stop", elem_id="runs-stop", scale=0)
        delete = gr.Button("Delete", elem_id="runs-delete", scale=0)
        pin = gr.Button("Pin for the class", elem_id="runs-pin", scale=0, visible=owners.admin_enabled())
    note = gr.HTML("", elem_id="runs-note")
    with gr.Row():
        with gr.Column():
            details = gr.Code("", language="json", label="Settings and figures", elem_id="runs-details")
        with gr.Column():
            curves = gr.Plot(empty_figure("Curves", "Pick a run."), elem_id="runs-curves")
            download = gr.File(label="Files of this run (zip)", interactive=False, elem_id="runs-download")
    exports = export_box.build(store, owner, picked)

    def listing(token, admin_typed):
        return table_value(owner_of(token), store, owners.is_admin(admin_typed))

    def pick(token, admin_typed, page_lang, evt: gr.SelectData):
        run_id = evt.row_value[0] if evt.row_value else ""
        return with_lang(show)(token, admin_typed, run_id, page_lang)  # gradio fills `evt` from this signature

    def show(token, admin_typed, run_id):
        viewer, is_admin = owner_of(token), owners.is_admin(admin_typed)
        try:
            run = sources.readable_run(run_id, viewer, store, admin=is_admin)
        except LabError as exc:
            return "", "", localise(empty_figure("Curves", "Pick a run.")), None, message_html(str(exc))
        archive = store.zip_run(run_id)
        hint = "" if archive else message_html("Its files download once the run has ended." if run["status"] in
                                               STILL_WRITING else "This run saved no files.", "info")
        text = json.dumps(shown_settings(run), indent=2, default=str)[:50_000]
        return run_id, text, localise(curves_figure(run)), archive and str(archive), hint

    lang = lang_box()  # headers, notes and curves are built here, in the page's language
    load = dict(fn=with_lang(listing), inputs=[owner, admin, lang], outputs=runs, js=LANG_JS, queue=False)
    refresh.click(**load)
    typed.submit(with_lang(lambda t, o: (t, listing(o, t))), [typed, owner, lang], [admin, runs], queue=False,
                 js=LANG_JS)
    runs.select(pick, [owner, admin, lang], [picked, details, curves, download, note], js=LANG_JS)
    picked.submit(with_lang(show), [owner, admin, picked, lang], [picked, details, curves, download, note], js=LANG_JS)
    handlers = actions(runner, store)
    for button, name in ((share, "share"), (stop, "stop"), (delete, "delete"), (pin, "pin")):
        button.click(with_lang(handlers[name]), [owner, admin, picked, lang], [note, runs], queue=False, js=LANG_JS)
    return {"table": runs, "refresh": refresh, "details": details, "admin": admin, "show": show, "export": exports,
            "picked": picked, "curves": curves, "download": download, "note": note,
            "load": load}
