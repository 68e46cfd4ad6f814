"""Fine-Tuning Lab: the Gradio app. `python app.py` serves it on http://127.0.0.1:7860
(GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the host and port).

Layout and wiring only: every tab lives in lab/ui/, every computation in lab/.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from lab import limits, sources
from lab.errors import LabError
from lab.resources import data_dir
from lab.serve import owners
from lab.serve.runner import build_runner
from lab.ui import common, finetune_tab, gradio_patches, pipeline_tab, pretrain_tab, runs_tab, sft_tab, tokenizer_tab
from lab.ui.common import poll_only_the_open_tab
from lab.ui.html import message_html
from lab.ui.i18n import I18N, LANG_JS, PAGE_LANG, _, lang_box, language, localise_initial_plots, translate_page
from lab.ui.owner import ensure_owner, owner_of
from lab.ui.teach import follow_guess, learn_panel

ASSETS = Path(__file__).parent / "assets"
INTRO = ("# Fine-Tuning Lab\nUse, pre-train and fine-tune transformers, live and side by side. "
         "Every tab runs real Hugging Face code on this machine; training jobs share one worker, "
         "so the whole class watches the same curves.")

TABS = [("1 · Pipeline", "pipeline", pipeline_tab), ("2 · Tokenizer", "tokenizer", tokenizer_tab),
        ("3 · Pre-training", "pretrain", pretrain_tab), ("4 · Fine-tuning", "finetune", finetune_tab),
        ("5 · SFT, DPO & RLHF", "sft", sft_tab)]


def build_demo(runner=None) -> gr.Blocks:
    runner = runner or build_runner()
    with gr.Blocks(title=_("Fine-Tuning Lab")) as demo:
        # a signed token (lab/serve/owners.py), encrypted with the lab's key so a restart can read it back
        owner = gr.BrowserState("", storage_key="fine-tuning-lab-owner", secret=owners.browser_secret())
        watch = common.PAGE["watch"] = gr.State(None)  # the run a ?run=ID link names, once checked
        gr.Markdown(INTRO)
        link_note = gr.HTML("", elem_id="watch-note")
        with gr.Tabs() as all_tabs:
            tabs = []  # (tab, its components): a tab's job timer ticks only while it is open
            for label, key, module in TABS:
                with gr.Tab(label, id=key, elem_id=f"tab-{key}") as tab:
                    learn = learn_panel(key)  # concepts, the code, and the question to answer before a run
                    parts = module.build(runner, owner)
                    follow_guess(key, runner, learn, parts)
                    tabs.append((tab, parts))
            with gr.Tab("Run history", id="runs", elem_id="tab-runs") as tab:
                runs = runs_tab.build(runner, owner)
                tabs.append((tab, runs))
        common.PAGE["watch"] = None
        timers = [(tab, parts.get("timers", [parts["timer"]] if "timer" in parts else [])) for tab, parts in tabs]
        every = [t for _, ts in timers for t in ts]

        def open_link(token, page_lang, request: gr.Request):
            """A watch link (?run=ID) opens the run's tab on it, if this browser may read it."""
            said = PAGE_LANG.set(language(page_lang))  # a refusal is said in the page's language
            try:
                return link_updates(token, request)
            finally:
                PAGE_LANG.reset(said)

        def link_updates(token, request):
            run_id = (dict(request.query_params) if request else {}).get("run", "")
            keep = [gr.skip()] * (3 + len(every))
            if not run_id:
                return keep
            try:
                run = sources.readable_run(run_id.strip()[:100], owner_of(token), runner.store)
            except LabError as exc:
                return [None, gr.skip(), message_html(str(exc))] + [gr.skip()] * len(every)
            tab_id = runs_tab.TAB_OF_KIND.get(run["kind"], "runs")
            mine = {id(t) for tab, ts in timers if tab.id == tab_id for t in ts}
            return [run["id"], gr.Tabs(selected=tab_id), ""] + [gr.Timer(active=id(t) in mine) for t in every]

        demo.load(ensure_owner, owner, owner, queue=False).then(
            open_link, [owner, lang_box()], [watch, all_tabs, link_note, *every], queue=False, js=LANG_JS
        ).then(**runs["load"])
        tab.select(**runs["load"])
        poll_only_the_open_tab(timers)
    translate_page(demo)  # every English string of the page becomes its I18n key (Korean in lab/ui/locales)
    localise_initial_plots(demo)  # figures are drawn on the server: redrawn in the page's language on load
    demo.runner = runner
    return demo


def launch_kwargs() -> dict:
    """What `launch()` takes in gradio 6: theme and css moved here from gr.Blocks(). Downloads (run zips,
    exports, reports, tokenizers) live in the data folder, which may lie outside the app's folder
    (LAB_DATA_DIR=/data on a Space with persistent storage): gradio serves them from there, and never the
    lab's key or its history database."""
    data = data_dir().resolve()
    return {"css": (ASSETS / "lab.css").read_text(), "theme": gr.themes.Soft(), "i18n": I18N,
            "max_file_size": limits.MAX_UPLOAD_BYTES, "show_error": False, "footer_links": ["api", "settings"],
            "allowed_paths": [str(data / "downloads"), str(data / "runs")],
            "blocked_paths": [str(data / "secret"), str(data / "runs.sqlite")]}


def start_up():
    """Once per app process: runs left queued or running by the last process are marked interrupted."""
    from lab.store import get_store

    get_store().sweep()


def queued(demo: gr.Blocks) -> gr.Blocks:
    """The queue with the lab's settings, and gradio patched where watching would cost training its
    speed (lab/ui/gradio_patches.py says what each patch saves)."""
    demo.queue(default_concurrency_limit=4)
    gradio_patches.idle_queue_waits(demo)
    gradio_patches.skip_costs_nothing()
    gradio_patches.no_matplotlib_probe()
    return demo


if __name__ == "__main__":
    start_up()
    queued(build_demo()).launch(**launch_kwargs())
