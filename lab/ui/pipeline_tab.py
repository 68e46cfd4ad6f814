"""Tab 1: `transformers.pipeline`, with an "under the hood" panel that opens it up.

Pipeline calls are short, so they run in the request (streamed for generation, at most two at a
time), not on the training worker.
"""
from __future__ import annotations

import html
import json

import gradio as gr

from lab import data, resources
from lab.config import PIPELINE_TASKS, PipelineConfig, help_text
from lab.errors import LabError
from lab.kinds import pipeline as pipelines
from lab.teach.figures import empty_figure, timing_figure
from lab.ui.html import bars_html, chips_html, message_html
from lab.ui.i18n import LANG_JS, lang_box, localise, tr, with_lang
from lab.ui.owner import owner_of

SECOND_BOX = {
    "sentence-similarity": ("Second sentence", "Driverless cars are a great idea."),
    "question-answering": ("Context", "The lab runs on a free Hugging Face Space with two CPU cores."),
    "zero-shot-classification": ("Candidate labels (comma-separated)", "politics, sport, technology"),
}
EXAMPLES = {
    "sentence-similarity": "Self-driving cars will make roads safer.",
    "text-generation": "Explain in one sentence what fine-tuning a language model means.",
    "text-classification": "I can't wait to ride in a driverless car!",
    "fill-mask": "driverless cars are the [MASK] of transport.",
    "question-answering": "How many CPU cores does the lab use?",
    "zero-shot-classification": "The new electric car drives itself on the motorway.",
    "summarization": "Autonomous vehicles use cameras, radar and software to drive without a human. "
                     "Supporters say they will reduce accidents; critics worry about safety and jobs.",
}


def model_choices(task: str, viewer: str = "") -> tuple[list[tuple[str, str]], str | None]:
    """(choices, default) for the model dropdown of a task: packaged, then the viewer's and shared runs."""
    default = pipelines.TASK_DEFAULTS[task]
    choices = []
    if default in resources.EMBEDDED_MODELS:
        choices.append((resources.EMBEDDED_MODELS[default], default))
    elif default is not None:
        choices.append((f"{default} (Hub)", default))
    choices += pipelines.lab_models(task, viewer)
    return choices, (choices[0][1] if choices else None)


def on_task(token: str, task: str):
    choices, value = model_choices(task, owner_of(token))
    label, example2 = SECOND_BOX.get(task, ("Second text", ""))
    note = ""
    if pipelines.TASK_DEFAULTS[task] is None and not choices:
        note = message_html(tr("No model for {task} yet: train one in {tab}, then it appears here.", task=task,
                               tab=tr(pipelines.TRAINED_BY[task])), "info")
    elif value not in resources.EMBEDDED_MODELS and value and not value.startswith("run:"):
        note = message_html(tr("This task's default model comes from the Hugging Face Hub; "
                               "offline, it answers with one sentence instead."), "info")
    return (gr.update(choices=choices, value=value), EXAMPLES[task],
            gr.update(label=tr(label), value=example2, visible=task in SECOND_BOX),
            gr.update(visible=task == "text-generation"), note)


def answer_html(result: dict) -> str:
    task, answer = result["task"], result["answer"]
    if task == "sentence-similarity":
        score = answer["similarity"]
        return (f'<div class="lab-big">{score:.3f}</div><div class="lab-caption">'
                + tr("cosine similarity (1 = same direction, 0 = unrelated)") + '</div>'
                + bars_html([(tr("similarity"), max(score, 0))]))
    if task in ("text-generation", "summarization"):
        text = answer["generated_text"] if task == "text-generation" else answer[0]["summary_text"]
        cursor = "▍" if result.get("streaming") else ""
        return f'<div class="lab-generated">{html.escape(text)}{cursor}</div>'
    if task == "text-classification":
        rows = answer[0] if answer and isinstance(answer[0], list) else answer
        return bars_html([(r["label"], r["score"]) for r in rows], tr("Label probabilities"))
    if task == "fill-mask":
        return bars_html([(r["token_str"], r["score"]) for r in answer], tr("Top tokens for the mask"))
    if task == "zero-shot-classification":
        return bars_html(list(zip(answer["labels"], answer["scores"])), tr("Label scores"))
    if task == "question-answering":
        return (f'<div class="lab-big">{html.escape(answer["answer"])}</div>'
                + bars_html([(tr("confidence"), answer["score"])]))
    return f"<pre>{html.escape(json.dumps(answer, indent=2, default=str))}</pre>"


def hood(result: dict) -> tuple:
    tokens = chips_html(result.get("tokens", []), title=tr("Tokens and their ids"))
    if result.get("tokens2"):
        tokens += chips_html(result["tokens2"], title=tr("Second sentence"))
    raw = "[\n" + ",\n".join(json.dumps(row) for row in result.get("raw", [])) + "\n]"
    post = tr("**Post-processing:** {what}.", what=tr(result["postprocess"]))
    return tokens, raw, post, localise(timing_figure(result["timings_ms"])), result["code"]


def run(token, task, model, text, text2, max_new_tokens, temperature):
    try:
        cfg = PipelineConfig(task=task, model=model or "", text=text or "", text2=text2 or "",
                             max_new_tokens=int(max_new_tokens), temperature=float(temperature))
    except (TypeError, ValueError):
        yield [message_html("Max new tokens and temperature must be numbers.")] + [gr.skip()] * 5
        return
    try:
        for result in pipelines.stream_pipeline(cfg, viewer=owner_of(token)):
            if result.get("streaming"):
                yield [answer_html(result)] + [gr.skip()] * 5
            else:
                yield [answer_html(result), *hood(result)]
    except LabError as exc:
        yield [message_html(str(exc))] + [gr.skip()] * 5


def load_file(path):
    """The first text of an uploaded file goes into the Text box; a bad file gets its sentence."""
    if not path:
        return gr.skip(), "", None
    try:
        rows = data.read_upload(path)
    except LabError as exc:
        return gr.skip(), message_html(str(exc)), None
    first = rows[0].get("text") or rows[0].get("prompt") or ""
    return first[:2000], message_html(tr("Loaded the first of {n:,} texts from the file.", n=len(rows)), "ok"), None


def build(runner, owner) -> dict:
    gr.Markdown("Pick a task, type an input and run it. `pipeline()` hides three steps: "
                "**tokenize**, run the **model**, **post-process** its raw numbers into an answer. "
                "Open *Under the hood* to see each one.")
    with gr.Row():
        with gr.Column(scale=2):
            task = gr.Dropdown(list(PIPELINE_TASKS), value="sentence-similarity", label="Task",
                               info=help_text(PipelineConfig, "task"), elem_id="pipeline-task")
            choices, value = model_choices("sentence-similarity")
            model = gr.Dropdown(choices, value=value, label="Model", allow_custom_value=True,
                                info=help_text(PipelineConfig, "model"), elem_id="pipeline-model")
            text = gr.Textbox(EXAMPLES["sentence-similarity"], label="Text", lines=3, elem_id="pipeline-text")
            text2 = gr.Textbox(SECOND_BOX["sentence-similarity"][1], label="Second sentence", lines=2,
                               elem_id="pipeline-text2")
            with gr.Row(visible=False) as gen_row:
                max_new = gr.Slider(1, 256, value=64, step=1, label="Max new tokens",
                                    info=help_text(PipelineConfig, "max_new_tokens"))
                temperature = gr.Slider(0, 1.5, value=0.0, step=0.1, label="Temperature",
                                        info=help_text(PipelineConfig, "temperature"))
            upload = gr.File(label="Or take the text from a file (.txt, .csv or .jsonl)", height=110,
                             elem_id="pipeline-upload")
            go = gr.Button("Run pipeline", variant="primary", elem_id="pipeline-run")
            note = gr.HTML("")
        with gr.Column(scale=3):
            answer = gr.HTML('<div class="lab-caption">The answer appears here.</div>', label="Answer",
                             elem_id="pipeline-answer")
            with gr.Accordion("Under the hood", open=True):
                tokens = gr.HTML("", elem_id="pipeline-tokens")
                post = gr.Markdown("")
                timings = gr.Plot(empty_figure("Milliseconds per stage", "Run the pipeline to time it."),
                                  label="Timing", elem_id="pipeline-timings")
                raw = gr.Code("", language="json", label="Raw model outputs (shape, dtype, first values)")
                code = gr.Code("", language="python", label="The same in three lines of Python")
    lang = lang_box()
    upload.upload(with_lang(load_file), [upload, lang], [text, note, upload], js=LANG_JS)  # emptied for the next
    task.change(with_lang(on_task), [owner, task, lang], [model, text, text2, gen_row, note], js=LANG_JS)
    go.click(with_lang(run), [owner, task, model, text, text2, max_new, temperature, lang],
             [answer, tokens, raw, post, timings, code], concurrency_limit=2, concurrency_id="pipeline",
             api_name="pipeline", js=LANG_JS)
    return {"task": task, "model": model, "text": text, "text2": text2, "run": go, "answer": answer}
