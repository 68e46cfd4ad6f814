"""Fine-Tuning Lab: the Gradio app. `python app.py` serves it on http://127.0.0.1:7860
(GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the host and port).

Layout and wiring only: every tab lives in lab/ui/, every computation in lab/.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from lab.tasks import build_runner
from lab.ui import finetune_tab, pipeline_tab, pretrain_tab, runs_tab, sft_tab, tokenizer_tab
from lab.ui.common import ensure_owner, poll_only_the_open_tab
from lab.ui.i18n import I18N, _, localise_initial_plots, translate_page
from lab.ui.teach import follow_guess, learn_panel

ASSETS = Path(__file__).parent / "assets"
INTRO = ("# Fine-Tuning Lab\nUse, pre-train and fine-tune transformers, live and side by side. "
         "Every tab runs real Hugging Face code on this machine; training jobs share one worker, "
         "so the whole class watches the same curves.")

TABS = [("1 · Pipeline", "pipeline", pipeline_tab), ("2 · Tokenizer", "tokenizer", tokenizer_tab),
        ("3 · Pre-training", "pretrain", pretrain_tab), ("4 · Fine-tuning", "finetune", finetune_tab),
        ("5 · SFT & DPO", "sft", sft_tab)]


def build_demo(runner=None) -> gr.Blocks:
    runner = runner or build_runner()
    with gr.Blocks(title=_("Fine-Tuning Lab")) as demo:
        owner = gr.BrowserState("", storage_key="fine-tuning-lab-owner")
        gr.Markdown(INTRO)
        with gr.Tabs():
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
        demo.load(ensure_owner, owner, owner, queue=False).then(**runs["load"])
        tab.select(**runs["load"])
        poll_only_the_open_tab([(tab, parts.get("timers", [parts["timer"]] if "timer" in parts else []))
                                for tab, parts in tabs])
    translate_page(demo)  # every English string of the page becomes its I18n key (Korean in lab/ui/locales)
    localise_initial_plots(demo)  # figures are drawn on the server: redrawn in the page's language on load
    demo.runner = runner
    return demo


def launch_kwargs() -> dict:
    """What `launch()` takes in gradio 6: theme and css moved here from gr.Blocks()."""
    return {"css": (ASSETS / "lab.css").read_text(), "theme": gr.themes.Soft(), "i18n": I18N,
            "max_file_size": "20mb", "show_error": False, "footer_links": ["api", "settings"]}


if __name__ == "__main__":
    build_demo().queue(default_concurrency_limit=4).launch(**launch_kwargs())
