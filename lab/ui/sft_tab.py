"""Tab 5: supervised fine-tuning (trl SFTTrainer), preference tuning (trl DPOTrainer) and RLHF (lab/ui/rl_tab.py)
of SmolLM2.

The SFT side shows which tokens carry the loss (the rest are labelled -100), the live loss, and the
same held-out prompts answered before and after; the DPO side shows the loss and the reward margin.
Both run on the shared worker; the tuned model appears in the pipeline tab's text-generation list.
"""
from __future__ import annotations

import gradio as gr

from lab import limits
from lab.config import SFT_METHODS, DPORunConfig, SFTRunConfig, help_text
from lab.teach import concepts
from lab.teach.figures import curve_figure, empty_figure
from lab.ui import rl_tab
from lab.ui.answers import answers_html, last, notices_html
from lab.ui.common import job_panel, submit
from lab.ui.html import chips_html, message_html
from lab.ui.i18n import LANG_JS, lang_box, tr, with_lang

LOSS_COLOR, MASKED_COLOR = "#86efac", "#e5e7eb"
TABLE = "border-collapse:collapse;width:100%;font-size:14px"
CELL = "border-bottom:1px solid #e5e7eb;padding:4px 8px;vertical-align:top"
INTRO = ("Teach SmolLM2-135M-Instruct to answer in a fixed format. **SFT** shows it prompts and answers "
         "(`### Human: What is the sentiment of this tweet? … ### Assistant: positive`) and takes the loss on "
         "the answer only. **DPO** shows it pairs (chosen: the right label, rejected: the wrong one) and "
         "raises the chosen answer's likelihood over the rejected one. Held-out tweets are never trained on.")


def mask_html(event: dict) -> str:
    tokens = event["tokens"]
    colors = [LOSS_COLOR if label != -100 else MASKED_COLOR for _, label in tokens]
    share = event["loss_token_fraction"]
    legend = (f'<div class="lab-caption"><span class="lab-chip" style="background:{LOSS_COLOR}">{tr("carries loss")}</span> '
              f'<span class="lab-chip" style="background:{MASKED_COLOR}">{tr("masked (label -100)")}</span> '
              + tr("— in this example {loss} of {length} tokens carry loss; across the training set <b>{share:.1f}%</b> "
                   "of tokens do. The number under each token is its label.", loss=event["loss_tokens"],
                   length=event["length"], share=100 * share) + '</div>')
    return chips_html(tokens, colors, title=tr("One training example as trl tokenized it")) + legend


def render_sft(events: list, snap: dict) -> list:
    preview = last(events, "preview")
    return [mask_html(preview) if preview else gr.skip(), notices_html(events),
            curve_figure(events, y="loss", group=None, title="Training loss (answer tokens only)"),
            answers_html(last(events, "answers"))]


def render_dpo(events: list, snap: dict) -> list:
    return [notices_html(events), curve_figure(events, y="loss", group=None, title="DPO loss"),
            curve_figure(events, y="reward_margin", group=None, title="Reward margin (chosen − rejected)",
                         reference=("no preference", 0.0)),
            answers_html(last(events, "answers"))]


def _dataset(upload) -> str:
    return upload if upload else "tweets"


def sft_config(method, steps, batch_size, lr, eval_size, upload) -> SFTRunConfig:
    return SFTRunConfig(method=method, steps=int(steps), batch_size=int(batch_size), learning_rate=float(lr or 0),
                        eval_size=int(eval_size), dataset=_dataset(upload))


def dpo_config(steps, beta, eval_size, upload) -> DPORunConfig:
    return DPORunConfig(steps=int(steps), beta=float(beta), eval_size=int(eval_size), dataset=_dataset(upload))


def build(runner, owner) -> dict:
    def start(kind, owner_id, config):
        refused = submit(runner, owner_id, kind, config)
        return message_html(refused) if refused else ""

    lang = lang_box()

    def start_sft(owner_id, *values):
        try:
            return start("sft", owner_id, sft_config(*values))
        except (TypeError, ValueError):
            return message_html("Steps, batch size, learning rate and held-out prompts must be numbers.")

    def start_dpo(owner_id, *values):
        try:
            return start("dpo", owner_id, dpo_config(*values))
        except (TypeError, ValueError):
            return message_html("Steps, beta and held-out prompts must be numbers.")

    gr.Markdown(INTRO)
    with gr.Tabs():
        with gr.Tab("Supervised fine-tuning (SFT)", id="sft", elem_id="sft-sub-sft"):
            with gr.Row():
                with gr.Column(scale=1):
                    method = gr.Radio(list(SFT_METHODS), value="lora", label="Method", elem_id="sft-method",
                                      info=help_text(SFTRunConfig, "method"))
                    steps = gr.Slider(1, limits.SFT_MAX_STEPS, value=60, step=1, label="Steps", elem_id="sft-steps",
                                      info=help_text(SFTRunConfig, "steps"))
                    batch = gr.Slider(1, limits.SFT_MAX_BATCH, value=4, step=1, label="Batch size", info=help_text(SFTRunConfig, "batch_size"))
                    lr = gr.Number(0, label="Learning rate", info=help_text(SFTRunConfig, "learning_rate"))
                    held = gr.Slider(2, 64, value=SFTRunConfig.eval_size, step=2, label="Held-out prompts",
                                     elem_id="sft-eval", info=help_text(SFTRunConfig, "eval_size"))
                    upload = gr.File(label="Your data (.jsonl: prompt/completion, messages, or text with the markers)",
                                     file_types=[".jsonl"], type="filepath", elem_id="sft-upload")
                    with gr.Row():
                        go = gr.Button("Train (SFT)", variant="primary", elem_id="sft-run")
                        textbook = gr.Button("Use textbook settings", elem_id="sft-textbook")
                    message = gr.Markdown("", elem_id="sft-message")
                with gr.Column(scale=2):
                    mask = gr.HTML('<div class="lab-caption">The tokenized example appears when training starts.</div>',
                                   elem_id="sft-mask")
                    notices = gr.HTML("", elem_id="sft-notices")
                    loss = gr.Plot(empty_figure("Training loss"), label="Loss", elem_id="sft-loss")
            answers = gr.HTML(answers_html(None), elem_id="sft-answers")
            panel = job_panel(runner, "sft", owner, [mask, notices, loss, answers], render_sft)
            textbook.click(with_lang(lambda: (concepts.TEXTBOOK["sft"]["learning_rate"], tr(
                "Textbook learning rate set: 2e-4 for LoRA (the lab's default is 2e-3, for 60 steps)."))),
                [lang], [lr, message], js=LANG_JS, queue=False)
            go.click(with_lang(start_sft), [owner, method, steps, batch, lr, held, upload, lang], message, queue=False,
                     js=LANG_JS, api_name="train_sft")
        with gr.Tab("Preference tuning (DPO)", id="dpo", elem_id="sft-sub-dpo"):
            with gr.Row():
                with gr.Column(scale=1):
                    dpo_steps = gr.Slider(1, limits.SFT_MAX_STEPS, value=30, step=1, label="Steps", elem_id="dpo-steps",
                                          info=help_text(DPORunConfig, "steps"))
                    beta = gr.Slider(0.01, 1.0, value=0.1, step=0.01, label="Beta", info=help_text(DPORunConfig, "beta"))
                    dpo_held = gr.Slider(2, 64, value=DPORunConfig.eval_size, step=2, label="Held-out prompts",
                                         elem_id="dpo-eval", info=help_text(DPORunConfig, "eval_size"))
                    dpo_upload = gr.File(label="Your pairs (.jsonl with prompt, chosen, rejected)",
                                         file_types=[".jsonl"], type="filepath", elem_id="dpo-upload")
                    dpo_go = gr.Button("Train (DPO)", variant="primary", elem_id="dpo-run")
                    dpo_message = gr.Markdown("", elem_id="dpo-message")
                with gr.Column(scale=2):
                    dpo_notices = gr.HTML("", elem_id="dpo-notices")
                    with gr.Row():
                        dpo_loss = gr.Plot(empty_figure("DPO loss"), label="Loss", elem_id="dpo-loss")
                        margin = gr.Plot(empty_figure("Reward margin (chosen − rejected)"), label="Reward margin",
                                         elem_id="dpo-margin")
            dpo_answers = gr.HTML(answers_html(None), elem_id="dpo-answers")
            dpo_panel = job_panel(runner, "dpo", owner, [dpo_notices, dpo_loss, margin, dpo_answers], render_dpo)
            dpo_go.click(with_lang(start_dpo), [owner, dpo_steps, beta, dpo_held, dpo_upload, lang], dpo_message,
                         queue=False, js=LANG_JS, api_name="train_dpo")
        with gr.Tab("Reinforcement (RLHF: reward model, GRPO)", id="rl", elem_id="sft-sub-rl"):
            rl = rl_tab.build(runner, owner)
    return {"method": method, "steps": steps, "run": go, "mask": mask, "loss": loss, "answers": answers,
            "panel": panel, "dpo_run": dpo_go, "margin": margin, "dpo_panel": dpo_panel, "rl": rl,
            "timers": [panel["timer"], dpo_panel["timer"], *rl["timers"]]}
