"""Export in the Run history tab: the picked run as a report zip (script, data, metrics, figures) and a push
to the Hugging Face Hub.

Both act on the run id that the runs tab's `pick` put in `selected`, and read the run again through
`visible_run`, so a run that is neither this browser's nor shared is never exported. The token box is a
password field whose value goes straight to `lab.export.hub.push` and back to empty: no job, no store.
`tab_export` puts the same export beside each training tab's status line, for the run the tab follows.
"""
from __future__ import annotations

import gradio as gr

from lab import sources
from lab.errors import LabError
from lab.store import STILL_WRITING, get_store
from lab.ui.html import message_html
from lab.ui.i18n import LANG_JS, lang_box, tr, with_lang
from lab.ui.owner import owner_of


def visible_run(store, run_id: str | None, token: str) -> dict:
    """The run, when this browser (its signed owner token) owns it or it is shared; else a sentence."""
    if not run_id:
        raise LabError("Pick a run in the table first.")
    viewer = owner_of(token)
    if not viewer:
        raise LabError("The page has not finished loading; wait a second and try again.")
    return sources.readable_run(run_id, viewer, store)


def export_zip(store, run_id: str | None, owner: str) -> str | None:
    """A report zip built for this request in a folder of its own (removed with the run); None while
    the run may still write its files (a zip of it then would not be whole)."""
    from lab.export.report import build_report

    run = visible_run(store, run_id, owner)
    if run["status"] in STILL_WRITING:
        return None
    return build_report(run, store.request_folder(run["id"]) / f"report-{run['id']}.zip")["zip"]


def build(store, owner, selected) -> dict:
    with gr.Accordion("Export this run: script, report, Hub", open=False, elem_id="runs-export"):
        gr.Markdown("**Export** gives a zip with the run's settings, per-step metrics (CSV), figures (HTML that "
                    "opens offline) and `script/train.py`: the run as a standalone script that reproduces it "
                    "with transformers, peft and trl, and scales out with `accelerate launch` (see its README).")
        export_button = gr.Button("Export script and report (zip)", elem_id="runs-export-button")
        export_file = gr.File(label="Report and script (zip)", interactive=False, elem_id="runs-export-file")
        gr.Markdown("**Push to the Hub**: the trained model (or LoRA adapter) with a model card of its figures. "
                    "The token is used for this upload only and never stored.")
        with gr.Row():
            repo = gr.Textbox(label="Repository (your-name/model-name)", elem_id="runs-push-repo")
            method = gr.Textbox(label="Method (fine-tuning comparisons only)", elem_id="runs-push-method")
            token = gr.Textbox(label="Hugging Face token (write)", type="password", elem_id="runs-push-token")
        push_button = gr.Button("Push to the Hub", elem_id="runs-push-button")
        note = gr.HTML("", elem_id="runs-export-note")

    def do_export(owner_id, run_id):
        try:
            path = export_zip(store, run_id, owner_id)
        except LabError as exc:
            return None, message_html(str(exc))
        if path is None:
            return None, message_html("Export the run once it has ended.", "info")
        return path, message_html("Exported: download the zip above.", "info")

    def do_push(owner_id, run_id, repo_id, method_name, token_text):
        from lab.export.hub import push

        try:
            url = push(visible_run(store, run_id, owner_id), repo_id, token_text, method=method_name or None)
            return "", message_html(tr("Pushed to {url}.", url=url), "info")
        except LabError as exc:
            return "", message_html(str(exc))  # the token box is emptied either way

    lang = lang_box()  # the notes are said in the page's language
    export_button.click(with_lang(do_export), [owner, selected, lang], [export_file, note], js=LANG_JS)
    push_button.click(with_lang(do_push), [owner, selected, repo, method, token, lang], [token, note], js=LANG_JS)
    return {"export": export_button, "export_file": export_file, "push": push_button, "note": note,
            "handlers": {"export": do_export, "push": do_push}}


def tab_export(runner, kind: str, owner, job_state) -> dict:
    """An Export button for the run a training tab follows: the same zip as the Run history tab's,
    for its owner or a shared run (a watched stranger's private run reads like a missing one)."""
    with gr.Row():
        button = gr.Button("Export script and report (zip)", elem_id=f"{kind}-export", scale=0, min_width=160)
        file = gr.File(label="Report and script (zip)", interactive=False, visible=False, elem_id=f"{kind}-export-file")
    note = gr.HTML("", elem_id=f"{kind}-export-note")

    def export(token, state):
        if not state:
            return gr.update(visible=False), message_html("Start a run first; then export it here.", "info")
        if state.get("status") not in ("done", "cancelled"):
            return gr.update(visible=False), message_html("Export the run once it has ended.", "info")
        try:
            path = export_zip(getattr(runner, "store", None) or get_store(), state["id"], token)
        except LabError as exc:
            return gr.update(visible=False), message_html(str(exc))
        if path is None:  # the page's state said ended, the run's row says otherwise
            return gr.update(visible=False), message_html("Export the run once it has ended.", "info")
        return gr.update(value=path, visible=True), message_html("Exported: download the zip above.", "info")

    lang = lang_box()
    button.click(with_lang(export), [owner, job_state, lang], [file, note], js=LANG_JS)
    return {"export": button, "export_file": file, "export_note": note, "export_handler": export}
