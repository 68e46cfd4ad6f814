"""Tab 4: the fine-tuning comparison. Tick methods, one button trains them one after another on the
shared worker; every page sees the overlaid loss curves, the method running now, the results, "Try it"
through every trained model, and explainers (LoRA shapes, one NF4 block, a parameter map) that answer
at once without training.
"""
from __future__ import annotations

import html
import math
from dataclasses import fields

import gradio as gr

from lab import limits
from lab.config import FinetuneConfig, help_text
from lab.errors import LabError
from lab.kinds import pipeline as pipelines
from lab.teach import code_views, concepts
from lab.teach.figures import (
    bar_figure,
    curve_figure,
    empty_figure,
    grouped_bar_figure,
    nf4_figure,
    parameter_map_figure,
    rank_figure,
    spectrum_figure,
    stacked_bar_figure,
)
from lab.ui.common import job_panel, submit
from lab.ui.html import bars_html, message_html
from lab.ui.i18n import LANG_JS, lang_box, localise, on_load, tr, with_lang
from lab.ui.owner import owner_of

DEFAULTS = FinetuneConfig()
TABLE_COLUMNS = ["method", "trainable", "all params", "trainable %", "predicted MB", "measured peak MB",
                 "s / step", "wall s", "accuracy", "F1", "saved MB", "exported"]
MB = 1e6


def base_choices(viewer: str = "") -> list[tuple[str, str]]:
    """MiniLM, then the pre-training runs the viewer may use (theirs and shared)."""
    return [("MiniLM (packaged, 22.7M parameters)", "minilm")] + pipelines.lab_models("fill-mask", viewer)


def method_choices() -> list[tuple[str, str]]:
    return concepts.method_choices()

# one title per chart, the same whether it waits for results or shows them
ACCURACY_TITLE = "Eval accuracy"
PERCENT_TITLE = "Trainable parameters (%)"
MEMORY_TITLE = "Memory: predicted ledger vs measured peak (MB)"
BYTES_TITLE = "Bytes to save (MB, log scale)"
CHART_TITLES = (ACCURACY_TITLE, PERCENT_TITLE, MEMORY_TITLE, BYTES_TITLE)


def pending(title: str):
    return empty_figure(tr(title), tr("Results appear as each method finishes."))


def rank_plot(events: list[dict]):
    return rank_figure(events, tr("AdaLoRA: rank kept per layer"), tr("step"), tr("rank"),
                       tr("Tick AdaLoRA to watch its rank move between layers."))


def results_of(events: list[dict]) -> dict[str, dict]:
    return {e["method"]: e for e in events if e.get("type") == "result"}


def table_rows(results: dict[str, dict]) -> list[list]:
    rows = []
    for name, r in results.items():
        rows.append([name, f"{r['trainable_params']:,}", f"{r['total_params']:,}", round(r["percent"], 3),
                     round(r["predicted_memory_bytes"]["total"] / MB, 1), round(r["peak_memory_bytes"] / MB, 1),
                     round(r["seconds_per_step"] or 0, 3), r["wall_seconds"], round(r["accuracy"], 3),
                     round(r["f1"], 3), round(r["saved_bytes"] / MB, 3),
                     tr("plain model") if r["exported"] else tr("adapter only: ") + tr(r["export_note"])])
    return rows


def now_html(events: list[dict], snap: dict) -> str:
    plan = next((e for e in events if e.get("type") == "plan"), None)
    method = next((e for e in reversed(events) if e.get("type") == "method"), None)
    if plan is None or method is None:
        return ""
    done = len(results_of(events))
    step = next((e for e in reversed(events) if e.get("type") == "step" and e.get("method") == method["method"]), None)
    left = len(plan["methods"]) - done - 1
    eta = ""
    if step and snap["status"] == "running":
        seconds = step["eta"] + left * step["seconds_per_step"] * plan["steps"]
        eta = tr(" · about {seconds:.0f} s left in all (if the next methods run as fast)", seconds=seconds)
    state = tr("Now training") if snap["status"] == "running" else tr("Last trained")
    count = tr("({done} of {total})", done=min(done + 1, len(plan["methods"])), total=len(plan["methods"]))
    return (f'<div id="finetune-now-text" style="font-size:1.15em">{state}: <b>{html.escape(tr(method["label"]))}</b> '
            f'{count}{eta}</div>{packing_html(events)}')


def packing_html(events: list[dict]) -> str:
    """What the last finished method's encoder computed: its real tokens, of the padded positions."""
    done = next((e for e in reversed(events) if e.get("type") == "result" and e.get("tokens_computed")), None)
    if done is None or not done.get("padded_positions"):
        return ""
    tokens, positions = done["tokens_computed"], done["padded_positions"]
    return ('<div id="finetune-packing">' + tr(
        "Packed: over its steps the encoder computed {tokens:,} real tokens, not the {positions:,} positions of the "
        "padded batches ({ratio:.2f}x fewer; the values are the same)", tokens=tokens, positions=positions,
        ratio=positions / tokens) + "</div>")


def render(events: list[dict], snap: dict) -> list:
    results = results_of(events)
    names = list(results)
    figures = [pending(t) for t in CHART_TITLES]
    if results:
        figures[0] = bar_figure(names, [results[n]["accuracy"] for n in names], tr(ACCURACY_TITLE))
        figures[1] = bar_figure(names, [results[n]["percent"] for n in names], tr(PERCENT_TITLE), " %",
                                log_x=True)
        # what the ledger says is live at the predicted peak (activations and gradients never peak together)
        parts = {tr(p): [results[n]["predicted_memory_bytes"].get("at_peak", results[n]["predicted_memory_bytes"])
                         .get(p, 0) / MB for n in names]
                 for p in ("weights", "gradients", "optimizer", "activations", "workspace")}
        peaks = [results[n]["peak_memory_bytes"] / MB for n in names]
        figures[2] = stacked_bar_figure(names, parts, tr(MEMORY_TITLE), "MB",
                                        extra=(tr("measured peak"), peaks))
        figures[3] = grouped_bar_figure(names, {tr("whole model"): [results[n]["full_model_bytes"] / MB for n in names],
                                                tr("what must be saved"): [results[n]["saved_bytes"] / MB
                                                                           for n in names]},
                                        tr(BYTES_TITLE), " MB")
        figures[3].update_yaxes(type="log")
    spectra = {}
    for name in ("lora", "lora_scratch", "qlora"):
        if name in results:
            spectra = results[name].get("update_singular_values", {})
            break
    # the headers in the page's language every time: an empty value would bring back the English ones
    table = {"headers": [tr(c) for c in TABLE_COLUMNS], "data": table_rows(results)}
    return [curve_figure(events, "loss", "step", title=tr("Training loss vs step")),
            curve_figure(events, "loss", "seconds", title=tr("Training loss vs seconds")),
            now_html(events, snap), table, *figures,
            spectrum_figure(spectra, tr("Singular values of the learned update (alpha/r) B A")), rank_plot(events)]


def make_config(methods, base, upload, steps, *settings) -> FinetuneConfig:
    names = [f.name for f in fields(FinetuneConfig) if f.name not in ("methods", "base", "dataset", "steps")]
    values = dict(zip(names, settings))
    for f in fields(FinetuneConfig):
        if f.name in values:
            values[f.name] = type(f.default)(values[f.name])
    return FinetuneConfig(methods=",".join(methods or []), base=base or "", dataset=upload or "tweets",
                          steps=int(steps), **values)


def build(runner, owner) -> dict:
    gr.Markdown("Tick methods and press **Compare**: the lab trains them one after another with the same data "
                "order, seed and steps, and every page in the class watches the curves overlap.")
    setting_names = [f.name for f in fields(FinetuneConfig) if f.name not in ("methods", "base", "dataset", "steps")]
    with gr.Row():
        with gr.Column(scale=2):
            methods = gr.CheckboxGroup(method_choices(), value=DEFAULTS.method_list(), label="Methods",
                                       info=help_text(FinetuneConfig, "methods"), elem_id="finetune-methods")
            base = gr.Dropdown(base_choices(), value="minilm", label="Base model", allow_custom_value=True,
                               info=help_text(FinetuneConfig, "base"), elem_id="finetune-base")
            upload = gr.File(label="Dataset (empty: the built-in tweets; or a .csv/.jsonl with text and label)",
                             file_types=[".csv", ".jsonl"], type="filepath", elem_id="finetune-upload")
            steps = gr.Slider(1, limits.FINETUNE_MAX_STEPS, value=DEFAULTS.steps, step=1, label="Steps per method",
                              info=help_text(FinetuneConfig, "steps"), elem_id="finetune-steps")
            with gr.Accordion("Settings", open=False, elem_id="finetune-settings"):
                settings = []
                for name in setting_names:
                    default = getattr(DEFAULTS, name)
                    kw = dict(label=name.replace("_", " "), info=help_text(FinetuneConfig, name),
                              elem_id=f"finetune-{name.replace('_', '-')}")
                    if isinstance(default, bool):
                        settings.append(gr.Checkbox(value=default, **kw))
                    elif isinstance(default, (int, float)):
                        settings.append(gr.Number(value=default, **kw))
                    else:
                        settings.append(gr.Textbox(value=default, **kw))
            with gr.Row():
                go = gr.Button("Compare", variant="primary", elem_id="finetune-run")
                textbook = gr.Button("Use textbook settings", elem_id="finetune-textbook")
            note = gr.HTML("", elem_id="finetune-note")
        with gr.Column(scale=3):
            now = gr.HTML("", elem_id="finetune-now")
            with gr.Row():
                loss_step = gr.Plot(empty_figure("Training loss vs step"), elem_id="finetune-loss-step")
                loss_seconds = gr.Plot(empty_figure("Training loss vs seconds"), elem_id="finetune-loss-seconds")
    outputs_before_panel = [loss_step, loss_seconds, now]
    table = gr.Dataframe(headers=TABLE_COLUMNS, label="Results per method", elem_id="finetune-results",
                         wrap=True, interactive=False)
    with gr.Row():
        acc_plot = gr.Plot(pending(ACCURACY_TITLE), elem_id="finetune-accuracy")
        pct_plot = gr.Plot(pending(PERCENT_TITLE), elem_id="finetune-percent")
    with gr.Row():
        mem_plot = gr.Plot(pending(MEMORY_TITLE), elem_id="finetune-memory")
        bytes_plot = gr.Plot(pending(BYTES_TITLE), elem_id="finetune-bytes")
    ranks = gr.Plot(rank_plot([]), elem_id="finetune-ranks")
    with gr.Accordion("The code each ticked method runs (from lab/kinds/finetune/methods)", open=False, elem_id="finetune-code-box"):
        method_code = gr.Code(code_views.methods_code(DEFAULTS.method_list()), language="python", interactive=False,
                              elem_id="finetune-method-code")
    with gr.Accordion("Try it: one sentence through every trained model", open=True):
        with gr.Row():
            try_text = gr.Textbox("What a lovely morning, I feel great!", label="Sentence", elem_id="finetune-try-text",
                                  scale=4)
            try_go = gr.Button("Try it", elem_id="finetune-try", scale=1)
        try_out = gr.HTML("", elem_id="finetune-try-out")
    with gr.Accordion("Explainers (answer at once, no training)", open=False):
        with gr.Row():
            rank = gr.Slider(1, 64, value=DEFAULTS.lora_r, step=1, label="LoRA rank r", elem_id="finetune-rank")
            targets = gr.Textbox(DEFAULTS.target_modules, label="Target modules", elem_id="finetune-targets")
        lora_out = gr.HTML("", elem_id="finetune-lora-shapes")
        spectrum = gr.Plot(spectrum_figure({}, "Singular values of the learned update (alpha/r) B A"),
                           elem_id="finetune-spectrum")
        with gr.Row():
            weight = gr.Dropdown([], label="Weight to quantise", allow_custom_value=True, elem_id="finetune-weight")
            block = gr.Number(0, label="Block number", precision=0, elem_id="finetune-block")
            nf4_go = gr.Button("Show NF4 block", elem_id="finetune-nf4")
        nf4_plot = gr.Plot(empty_figure("One NF4 block", "Press 'Show NF4 block' to quantise a real weight block."),
                           elem_id="finetune-nf4-plot")
        nf4_text = gr.Markdown("")
        map_go = gr.Button("Parameter map of the ticked methods", elem_id="finetune-map")
        map_plot = gr.Plot(empty_figure("Parameter map", "Press the button to see what each method trains."),
                           elem_id="finetune-map-plot")
    panel = job_panel(runner, "finetune", owner, outputs_before_panel + [table, acc_plot, pct_plot, mem_plot,
                                                                         bytes_plot, spectrum, ranks], render)
    lang = lang_box()  # handlers below build their text on the server, in the page's language
    methods.change(lambda names: code_views.methods_code(names or []), methods, method_code, queue=False)
    on_load(lambda: {"headers": [tr(c) for c in TABLE_COLUMNS], "data": []}, table)

    def use_textbook(state, ticked, upload):
        """The classic recipe's values, and an ETA from the last comparison's measured speed."""
        from lab.kinds.finetune.data import load_rows

        preset = concepts.TEXTBOOK["finetune"]
        try:
            rows = len(load_rows(upload or "tweets")[0])
        except LabError as exc:
            return *[gr.skip()] * (1 + len(setting_names)), message_html(str(exc))
        steps_needed = math.ceil(preset["epochs"] * rows / preset["batch_size"])
        updates = [gr.update(value=min(steps_needed, limits.FINETUNE_MAX_STEPS))]  # the slider's maximum is the limit
        updates += [gr.update(value=preset[n]) if n in preset else gr.skip() for n in setting_names]
        result = (runner.snapshot(state["id"]) or {}).get("result") if state and state.get("status") == "done" else None
        measured = (result or {}).get("methods", {})
        if measured and all(n in measured for n in ticked or []):
            # time per step grows about linearly with the batch (same length cap: dynamic padding)
            seconds = sum(measured[n]["seconds_per_step"] * preset["batch_size"] / result["settings"]["batch_size"]
                          for n in ticked) * steps_needed
            eta = tr("About {minutes:.0f} minutes for the ticked methods, at the last comparison's measured speed.",
                     minutes=seconds / 60)
        else:
            eta = tr("The time per step shows in the status line once the first steps have run.")
        return *updates, message_html(tr("Textbook settings set: {epochs} epochs of {rows:,} examples at batch "
                                         "{batch} = {steps} steps per method, up to 512 tokens, LoRA dropout 0.1, "
                                         "adapter width 64; each method keeps its own learning rate. ", epochs=preset["epochs"], rows=rows,
                                         batch=preset["batch_size"], steps=steps_needed) + eta, "info")

    textbook.click(with_lang(use_textbook), [panel["job_state"], methods, upload, lang], [steps, *settings, note],
                   js=LANG_JS, queue=False)

    def start(owner_id, *values):
        try:
            cfg = make_config(*values)  # every other bad input gets its sentence from submit's check
        except LabError as exc:
            return message_html(str(exc)), gr.skip()
        except (TypeError, ValueError) as exc:
            return message_html(tr("A setting is not a number where one is needed ({error}).", error=exc)), gr.skip()
        refused = submit(runner, owner_id, "finetune", cfg)
        return (message_html(refused), gr.skip()) if refused else ("", tr("**Queued**…"))

    go.click(with_lang(start), [owner, methods, base, upload, steps, *settings, lang], [note, panel["status"]],
             concurrency_limit=4, js=LANG_JS, api_name="compare")

    def try_models(state, text):
        from lab.kinds.finetune.models import try_it
        if not state or state.get("status") not in ("done", "cancelled"):  # a stopped run keeps what finished
            return message_html(tr("Run a comparison to the end first; its trained models answer here."), "info")
        try:
            answers = try_it(state["id"], text, (runner.snapshot(state["id"]) or {}).get("result"))
        except LabError as exc:
            return message_html(str(exc))
        cells = [f'<div class="lab-try"><b>{html.escape(tr(a["label"]))}</b>: {html.escape(a["answer"])}'
                 f'{bars_html(a["scores"])}</div>' for a in answers]
        return '<div class="lab-try-grid">' + "".join(cells) + "</div>"

    try_go.click(with_lang(try_models), [panel["job_state"], try_text, lang], try_out, concurrency_limit=2, js=LANG_JS)

    def shapes(token, base_name, r, target_text):
        from lab.teach.explain import lora_shapes
        try:
            s = lora_shapes(base_name or "minilm", target_text, int(r), viewer=owner_of(token))
        except LabError as exc:
            return message_html(str(exc))
        first = s["modules"][0]
        return "<p>" + tr(
            "Each target W is {w0}×{w1}: A is <b>{a0}×{a1}</b>, B is <b>{b0}×{b1}</b> ({lora:,} parameters instead "
            "of {wp:,}). {n} target layers: <b>{total_lora:,}</b> LoRA parameters, {pct:.3f}% of {total:,}; the "
            "update is scaled by alpha/r = {scaling:.2f}.", w0=first["W"][0], w1=first["W"][1], a0=first["A"][0],
            a1=first["A"][1], b0=first["B"][0], b1=first["B"][1], lora=first["lora_params"], wp=first["W_params"],
            n=len(s["modules"]), total_lora=s["lora_params"], pct=s["percent"], total=s["total_params"],
            scaling=s["scaling"]) + "</p>"

    for trigger in (rank.change, targets.submit):
        trigger(with_lang(shapes), [owner, base, rank, targets, lang], lora_out, queue=False, js=LANG_JS)

    def nf4(token, base_name, weight_name, block_number):
        from lab.teach.explain import nf4_block, weight_names
        try:
            viewer = owner_of(token)  # a stranger's private run reads like a missing one
            b = nf4_block(base_name or "minilm", weight_name or "", int(block_number or 0), viewer=viewer)
            names = weight_names(base_name or "minilm", viewer)
        except LabError as exc:
            return gr.skip(), message_html(str(exc)), gr.skip()
        text = tr("absmax scale **{absmax:.4f}**; round-trip error **{error:.1%}** (relative), largest {largest:.4f}; "
                  "**{bits:.3f}** bits per parameter ({double:.3f} with double quantisation) instead of 32.",
                  absmax=b["absmax"], error=b["relative_error"], largest=b["max_abs_error"], bits=b["bits_per_param"],
                  double=b["bits_per_param_double_quant"])
        return localise(nf4_figure(b)), text, gr.update(choices=names, value=b["weight"])

    nf4_go.click(with_lang(nf4), [owner, base, weight, block, lang], [nf4_plot, nf4_text, weight], concurrency_limit=2,
                 js=LANG_JS, api_name="nf4_block")

    def parameter_map(token, base_name, methods_ticked, *values):
        from lab.teach.explain import parameter_map as build_map
        try:
            cfg = make_config(methods_ticked, base_name, None, 1, *values)
            return localise(parameter_map_figure(build_map(base_name or "minilm", cfg.method_list(), cfg,
                                                           viewer=owner_of(token))))
        except LabError as exc:
            return localise(empty_figure("Parameter map", str(exc)))

    map_go.click(with_lang(parameter_map), [owner, base, methods, *settings, lang], map_plot, concurrency_limit=2,
                 js=LANG_JS)
    return {"methods": methods, "base": base, "run": go, "table": table, "note": note, **panel}
