"""Tab 3: pre-train a small BERT with masked-language modelling (or continue MiniLM's), live.

The page shows the parameter count as the shape changes, the 80/10/10 masking of one example, the
train loss and eval perplexity against the unigram line, and a fill-mask probe redrawn at every evaluation.
"""
from __future__ import annotations

import gradio as gr

from lab.config import PretrainConfig, help_text
from lab.errors import LabError
from lab.kinds import tokenizer as tokenization
from lab.kinds.pretrain import job as pretrain
from lab.teach import concepts
from lab.teach.figures import empty_figure, mlm_loss_figure, perplexity_figure
from lab.ui.common import job_panel, submit
from lab.ui.html import bars_html, chips_html, message_html
from lab.ui.i18n import LANG_JS, lang_box, on_load, tr, with_lang
from lab.ui.owner import owner_of

KIND_COLORS = {"mask": "#fca5a5", "random": "#fdba74", "kept": "#86efac", "plain": "#f3f4f6"}
LEGEND = ('<div class="lab-caption">{chosen} <b style="background:#fca5a5">&nbsp;[MASK] (80%)&nbsp;</b> '
          '<b style="background:#fdba74">&nbsp;{random} (10%)&nbsp;</b> '
          '<b style="background:#86efac">&nbsp;{kept} (10%)&nbsp;</b>{rest}</div>')
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
    memory = tr(", about {mb:,.0f} MB to train", mb=info["memory"] / 1024 ** 2) if info.get("memory") else ""
    note = f" {tr(info['note'])}" if info["note"] else ""
    return message_html(tr("{params:,} parameters; vocabulary {vocab:,} tokens{memory}.", params=info["params"],
                           vocab=info["vocab"], memory=memory) + note, "ok")


def masking_html(init, tokenizer, probe, seed, *numbers_and_text, viewer: str = "") -> str:
    *numbers, text = numbers_and_text
    try:
        tokens = pretrain.preview_masking(make_config(init, tokenizer, probe, seed, *numbers), text, viewer)
    except LabError as exc:
        return message_html(str(exc))
    chips = [[t["shown"], tr("was {token}", token=t["token"]) if t["kind"] in ("mask", "random") else
              (tr("kept") if t["kind"] == "kept" else None)] for t in tokens]
    legend = LEGEND.format(chosen=tr("Chosen tokens:"), random=tr("random token"), kept=tr("kept as it was"),
                           rest=tr("; the grey ones are not predicted."))
    return legend + chips_html(chips, [KIND_COLORS[t["kind"]] for t in tokens])


def render(events, snap):
    reference = next((e for e in events if e["type"] == "reference"), {})
    unigram = reference.get("unigram_perplexity")
    probe = next((e for e in reversed(events) if e["type"] == "probe"), None)
    probe_html = bars_html([(t or "∅", p) for t, p in probe["predictions"]],
                           tr("“{sentence}” at step {step}: top 5", sentence=probe["sentence"], step=probe["step"])
                           ) if probe else gr.skip()
    summary = gr.skip()
    if snap["status"] in ("done", "cancelled") and snap.get("result"):  # a stopped run keeps its model
        r = snap["result"]
        verdict = tr("below") if r["final_eval_perplexity"] < r["unigram_perplexity"] else tr("not yet below")
        stopped = tr(" before it was stopped (last evaluated at step {step})", step=r["final_eval_step"]
                     ) if r.get("stopped") else ""
        summary = message_html(tr(
            "{params:,} parameters trained {steps} steps{stopped} in {seconds:.0f} s; eval perplexity {first:,.0f} → "
            "{last:,.0f}, {verdict} the unigram level {unigram:,.0f}. Saved as “{label}”: pick it in the "
            "Pipeline tab (fill-mask) or as a base model for fine-tuning.", params=r["params"], steps=r["steps"],
            stopped=stopped, seconds=r["seconds"], first=r["eval_perplexity"][0][1], last=r["final_eval_perplexity"],
            verdict=verdict, unigram=r["unigram_perplexity"], label=r["models"][0]["label"]), "ok")
    elif reference:
        summary = message_html(tr("{train:,} training blocks and {held:,} held-out blocks of {size} tokens; "
                                  "unigram perplexity {unigram:,.1f}.", train=reference["train_blocks"],
                                  held=reference["eval_blocks"], size=reference["block_size"], unigram=unigram),
                               "info")
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
            with gr.Row():
                go = gr.Button("Start pre-training", variant="primary", elem_id="pretrain-train")
                textbook = gr.Button("Use textbook settings", elem_id="pretrain-textbook")
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
        box.change(with_lang(lambda token, *a: shape_text(*a, viewer=owner_of(token))), [owner, *fields, lang_box()],
                   shape_info, queue=False, js=LANG_JS)
    for box in [init, tokenizer, mlm_p, preview_text]:
        box.change(with_lang(lambda token, *a: masking_html(*a, viewer=owner_of(token))),
                   [owner, *fields, preview_text, lang_box()], preview, queue=False, js=LANG_JS)
    # both are built on the server at page build, in English: drawn again in the page's language on load
    on_load(lambda: (shape_text(*first), masking_html(*first, preview_text.value)), [shape_info, preview])
    init.change(lambda i: gr.update(visible=i == "minilm"), init, minilm_note, queue=False)

    def refreshed(token):
        choices = tokenizer_choices(owner_of(token))
        return gr.update(choices=choices, value=choices[0][1])

    refresh.click(refreshed, owner, tokenizer, queue=False)
    go.click(with_lang(lambda *a: start(runner, *a)), [owner, *fields, lang_box()], note, queue=False,
             api_name="pretrain", js=LANG_JS)

    def use_textbook():
        """BERT-base's shape and recipe in the boxes (steps stay: a million would not fit a class)."""
        preset = concepts.TEXTBOOK["pretrain"]
        updates = [gr.update(value=preset[k]) if k in preset else gr.skip() for k in SHAPE + TRAINING]
        return *updates, message_html(tr("Textbook settings set: BERT-base's shape (12 layers, hidden 768, 12 heads), "
                                         "blocks of 512, dropout 0.1, learning rate 1e-4. The line above gives its "
                                         "size and memory; the status line gives the time per step once it runs."),
                                      "info")

    textbook.click(with_lang(use_textbook), [lang_box()], [*shape, *training, note], js=LANG_JS, queue=False)
    return {"init": init, "tokenizer": tokenizer, "train": go, "shape_info": shape_info, "preview": preview, **panel}
