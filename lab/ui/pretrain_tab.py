"""Tab 3: pre-train a small BERT with masked-language modelling (or continue MiniLM's), live.

The page shows the parameter count as the shape changes, the 80/10/10 masking of one example, the
train loss and eval perplexity against the unigram line, and a fill-mask probe redrawn at every evaluation.
"""
from __future__ import annotations


import gradio as gr

from lab import pretrain, tokenization
from lab.config import PretrainConfig, help_text
from lab.errors import LabError
from lab.plots import empty_figure, mlm_loss_figure, perplexity_figure
from lab.ui.common import bars_html, chips_html, job_panel, message_html, owner_of, submit

KIND_COLORS = {"mask": "#fca5a5", "random": "#fdba74", "kept": "#86efac", "plain": "#f3f4f6"}
LEGEND = ('<div class="lab-caption">Chosen tokens: <b style="background:#fca5a5">&nbsp;[MASK] (80%)&nbsp;</b> '
          '<b style="background:#fdba74">&nbsp;random token (10%)&nbsp;</b> '
          '<b style="background:#86efac">&nbsp;kept as it was (10%)&nbsp;</b>; the grey ones are not predicted.</div>')
SHAPE = ("hidden", "layers", "heads", "intermediate", "max_positions", "block_size", "vocab_size")
TRAINING = ("mlm_probability", "steps", "batch_size", "learning_rate", "warmup_steps", "eval_every", "dropout")
FLOATS = ("mlm_probability", "learning_rate", "dropout")
MINILM_NOTE = ("**Continued pre-training of MiniLM.** Its encoder is trained, but the packaged model has no MLM "
               "head: `BertForMaskedLM` adds one that **starts untrained**, so the first losses are high and "
               "the first probes are junk until the head learns to read the encoder.")


def tokenizer_choices(viewer: str = "") -> list[tuple[str, str]]:
    """The viewer's and the shared tokenizer runs, then the packaged ones."""
    return tokenization.tokenizer_runs(viewer) + [("MiniLM's WordPiece (30,522 tokens)", "minilm"),
                                            ("SmolLM2's byte-level BPE (49,152 tokens)", "smollm2")]


def make_config(init, tokenizer, probe, seed, *numbers) -> PretrainConfig:
    values = dict(zip(SHAPE + TRAINING, numbers))
    numbers = {k: float(v or 0) if k in FLOATS else int(v or 0) for k, v in values.items()}
    return PretrainConfig(init=init, tokenizer=tokenizer or "minilm", probe=probe or "", seed=int(seed or 0), **numbers)


def shape_text(*args, viewer: str = "") -> str:
    info = pretrain.describe(make_config(*args), viewer)
    if info["error"]:
        return message_html(info["error"])
    memory = f", about {info['memory'] / 1024 ** 2:,.0f} MB to train" if info.get("memory") else ""
    note = f" {info['note']}" if info["note"] else ""
    return message_html(f"{info['params']:,} parameters; vocabulary {info['vocab']:,} tokens{memory}.{note}", "ok")


def masking_html(init, tokenizer, probe, seed, *numbers_and_text, viewer: str = "") -> str:
    *numbers, text = numbers_and_text
    try:
        tokens = pretrain.preview_masking(make_config(init, tokenizer, probe, seed, *numbers), text, viewer)
    except LabError as exc:
        return message_html(str(exc))
    chips = [[t["shown"], f"was {t['token']}" if t["kind"] in ("mask", "random") else
              ("kept" if t["kind"] == "kept" else None)] for t in tokens]
    return LEGEND + chips_html(chips, [KIND_COLORS[t["kind"]] for t in tokens])


def render(events, snap):
    reference = next((e for e in events if e["type"] == "reference"), {})
    unigram = reference.get("unigram_perplexity")
    probe = next((e for e in reversed(events) if e["type"] == "probe"), None)
    probe_html = bars_html([(t or "∅", p) for t, p in probe["predictions"]],
                           f"“{probe['sentence']}” at step {probe['step']}: top 5") if probe else gr.skip()
    summary = gr.skip()
    if snap["status"] in ("done", "cancelled") and snap.get("result"):  # a stopped run keeps its model
        r = snap["result"]
        verdict = "below" if r["final_eval_perplexity"] < r["unigram_perplexity"] else "not yet below"
        stopped = f" before it was stopped (last evaluated at step {r['final_eval_step']})" if r.get("stopped") else ""
        summary = message_html(
            f"{r['params']:,} parameters trained {r['steps']} steps{stopped} in {r['seconds']:.0f} s; eval perplexity "
            f"{r['eval_perplexity'][0][1]:,.0f} → {r['final_eval_perplexity']:,.0f}, {verdict} the unigram "
            f"level {r['unigram_perplexity']:,.0f}. Saved as “{r['models'][0]['label']}”: pick it in the "
            "Pipeline tab (fill-mask) or as a base model for fine-tuning.", "ok")
    elif reference:
        summary = message_html(f"{reference['train_blocks']:,} training blocks and {reference['eval_blocks']:,} "
                               f"held-out blocks of {reference['block_size']} tokens; unigram perplexity "
                               f"{unigram:,.1f}.", "info")
    return [mlm_loss_figure(events, unigram), perplexity_figure(events, unigram), probe_html, summary]


def start(runner, owner, *args):
    cfg = make_config(*args)
    info = pretrain.describe(cfg, owner_of(owner))
    if info["error"]:
        return message_html(info["error"])
    refused = submit(runner, owner, "pretrain", cfg)
    return message_html(refused) if refused else ""


def build(runner, owner) -> dict:
    gr.Markdown("Pre-train a BERT from nothing with **masked-language modelling**: hide 15% of the tokens, "
                "make the model guess them. `BertConfig` → `BertForMaskedLM` → `DataCollatorForLanguageModeling` "
                "→ `Trainer`. The dashed line is the **unigram level**: the perplexity of a model that knows "
                "how often each token occurs and nothing about context. Beating it means the model reads context.")
    d = PretrainConfig()
    choices = tokenizer_choices()
    first = ["scratch", choices[0][1], d.probe, d.seed, *[getattr(d, k) for k in SHAPE + TRAINING]]
    with gr.Row():
        with gr.Column(scale=2):
            init = gr.Radio([("A new BERT (from scratch)", "scratch"), ("Continue MiniLM's pre-training", "minilm")],
                            value="scratch", label="Starting point", info=help_text(PretrainConfig, "init"),
                            elem_id="pre-init")
            minilm_note = gr.Markdown(MINILM_NOTE, visible=False, elem_id="pre-minilm-note")
            with gr.Row():
                tokenizer = gr.Dropdown(choices, value=choices[0][1], label="Tokenizer", scale=4,
                                        info=help_text(PretrainConfig, "tokenizer"), elem_id="pre-tokenizer")
                refresh = gr.Button("↻", scale=0, min_width=50, elem_id="pre-refresh")
            with gr.Row():
                shape = [gr.Number(getattr(d, k), label=k.replace("_", " "), precision=0, min_width=90,
                                   info=help_text(PretrainConfig, k), elem_id=f"pre-{k}") for k in SHAPE]
            shape_info = gr.HTML(shape_text(*first), elem_id="pre-shape")
            mlm_p = gr.Slider(0.05, 0.5, value=d.mlm_probability, step=0.01, label="mlm_probability",
                              info=help_text(PretrainConfig, "mlm_probability"), elem_id="pre-mlm")
            with gr.Row():
                training = [mlm_p] + [gr.Number(getattr(d, k), label=k.replace("_", " "), min_width=90,
                                                precision=None if k in FLOATS else 0,
                                                info=help_text(PretrainConfig, k), elem_id=f"pre-{k}")
                                      for k in TRAINING[1:]]
            probe = gr.Textbox(d.probe, label="Fill-mask probe", info=help_text(PretrainConfig, "probe"),
                               elem_id="pre-probe")
            seed = gr.Number(d.seed, label="seed", precision=0, visible=False)
            go = gr.Button("Start pre-training", variant="primary", elem_id="pretrain-train")
            note = gr.HTML("", elem_id="pre-note")
        with gr.Column(scale=3):
            preview_text = gr.Textbox("driverless cars are the future of transport and i cannot wait to ride one",
                                      label="Masking preview: one example", elem_id="pre-preview-text")
            preview = gr.HTML(masking_html(*first, preview_text.value), elem_id="pre-preview")
            outputs = [gr.Plot(empty_figure("MLM loss", "Start pre-training to draw the curve."), elem_id="pre-loss"),
                       gr.Plot(empty_figure("Eval perplexity"), elem_id="pre-ppl"),
                       gr.HTML("", elem_id="pre-probe-out"), gr.HTML("", elem_id="pre-summary")]
    panel = job_panel(runner, "pretrain", owner, outputs, render)
    fields = [init, tokenizer, probe, seed, *shape, *training]
    for box in [init, tokenizer, *shape, mlm_p, *training[1:]]:
        box.change(lambda token, *a: shape_text(*a, viewer=owner_of(token)), [owner, *fields], shape_info, queue=False)
    for box in [init, tokenizer, mlm_p, preview_text]:
        box.change(lambda token, *a: masking_html(*a, viewer=owner_of(token)), [owner, *fields, preview_text],
                   preview, queue=False)
    init.change(lambda i: gr.update(visible=i == "minilm"), init, minilm_note, queue=False)
    def refreshed(token):
        choices = tokenizer_choices(owner_of(token))
        return gr.update(choices=choices, value=choices[0][1])

    refresh.click(refreshed, owner, tokenizer, queue=False)
    go.click(lambda *a: start(runner, *a), [owner, *fields], note, queue=False, api_name="pretrain")
    return {"init": init, "tokenizer": tokenizer, "train": go, "shape_info": shape_info, "preview": preview, **panel}
