"""The Run history tab: every run of every tab, from the SQLite store, so a restart loses nothing.

Pick a run to see its settings, its figures and its curves, and download its files as a zip.
"""
from __future__ import annotations

import datetime
import json

import gradio as gr

from lab.plots import empty_figure
from lab.store import Store
from lab.ui.common import message_html
from lab.ui.i18n import LANG_JS, lang_box, tr, with_lang

COLUMNS = ["run", "tab", "status", "started", "seconds", "yours"]


def table(owner: str, store: Store) -> list[list]:
    rows = []
    for run in store.list_runs(limit=200):
        took = f"{run['finished'] - run['created']:.0f}" if run["finished"] else ""
        when = datetime.datetime.fromtimestamp(run["created"]).strftime("%d %b %H:%M")
        rows.append([run["id"], run["kind"], run["status"], when, took, "✓" if run["owner"] == owner else ""])
    return rows


def curves_figure(run: dict):
    from lab.plots import PALETTE, LAYOUT
    import plotly.graph_objects as go

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


def build(runner, owner) -> dict:
    store = runner.store or Store()
    gr.Markdown("Every run of every tab is kept here, across restarts of the app. "
                "Click a row to see its settings, figures and curves, and to download its files.")
    refresh = gr.Button("Refresh", elem_id="runs-refresh", scale=0)
    runs = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, elem_id="runs-table", wrap=True)
    with gr.Row():
        with gr.Column():
            details = gr.Code("", language="json", label="Settings and figures", elem_id="runs-details")
        with gr.Column():
            curves = gr.Plot(empty_figure("Curves", "Pick a run."), elem_id="runs-curves")
            download = gr.File(label="Files of this run (zip)", interactive=False, elem_id="runs-download")
            note = gr.HTML("")

    def pick(owner_id, evt: gr.SelectData):
        run_id = evt.row_value[0] if evt.row_value else None
        run = store.get_run(run_id) if run_id else None
        if run is None:
            return "", empty_figure("Curves", "Pick a run."), None, message_html("That run is gone.")
        shown = {k: run[k] for k in ("id", "kind", "status", "error", "config", "result")}
        archive = store.zip_run(run_id)
        hint = "" if archive else message_html("This run saved no files.", "info")
        return json.dumps(shown, indent=2, default=str)[:50_000], curves_figure(run), archive and str(archive), hint

    lang = lang_box()

    def table_value(owner_id):
        return {"headers": [tr(c) for c in COLUMNS], "data": table(owner_id, store)}

    load = dict(fn=with_lang(table_value), inputs=[owner, lang], outputs=runs, js=LANG_JS, queue=False)
    refresh.click(**load)
    runs.select(pick, owner, [details, curves, download, note])
    return {"table": runs, "refresh": refresh, "details": details, "load": load}
