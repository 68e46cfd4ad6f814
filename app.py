"""Fine-Tuning Lab: the Gradio app. `python app.py` serves it on http://127.0.0.1:7860
(GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the host and port).

Layout and wiring only: every tab lives in lab/ui/, every computation in lab/.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from lab.tasks import build_runner
from lab.ui import pipeline_tab
from lab.ui.common import ensure_owner

ASSETS = Path(__file__).parent / "assets"
INTRO = ("# Fine-Tuning Lab\nUse, pre-train and fine-tune transformers, live and side by side. "
         "Every tab runs real Hugging Face code on this machine; training jobs share one worker, "
         "so the whole class watches the same curves.")


def build_demo(runner=None) -> gr.Blocks:
    runner = runner or build_runner()
    with gr.Blocks(title="Fine-Tuning Lab") as demo:
        owner = gr.BrowserState("", storage_key="fine-tuning-lab-owner")
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("1 · Pipeline", id="pipeline", elem_id="tab-pipeline"):
                pipeline_tab.build(runner, owner)
            # --- tokenizer and pre-training tabs (issue 3) ---

            # --- fine-tuning tab (issue 4) ---

            # --- SFT and DPO tab (issue 5) ---
            from lab.ui import sft_tab
            with gr.Tab("5 · SFT & DPO", id="sft", elem_id="tab-sft"):
                sft_tab.build(runner, owner)

        demo.load(ensure_owner, owner, owner, queue=False)
    demo.runner = runner
    return demo


def launch_kwargs() -> dict:
    """What `launch()` takes in gradio 6: theme and css moved here from gr.Blocks()."""
    return {"css": (ASSETS / "lab.css").read_text(), "theme": gr.themes.Soft(),
            "max_file_size": "20mb", "show_error": False}


if __name__ == "__main__":
    build_demo().queue(default_concurrency_limit=4).launch(**launch_kwargs())
