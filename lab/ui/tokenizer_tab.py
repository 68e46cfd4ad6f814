"""Tab 2: train a new vocabulary with `train_new_from_iterator` and compare it with its base, token by token."""
from __future__ import annotations

import html

import gradio as gr

from lab.config import TokenizerConfig, help_text
from lab.errors import LabError
from lab.kinds import tokenizer as tokenization
from lab.ui.common import job_panel, submit
from lab.ui.html import chips_html, message_html
from lab.ui.i18n import LANG_JS, lang_box, tr, with_lang
from lab.ui.owner import owner_of

CORPORA = ["Built-in tweets", "Upload a file", "Hub dataset"]
BASES = [("MiniLM: WordPiece, BERT uncased (30,522 tokens)", "minilm"),
         ("SmolLM2: byte-level BPE (49,152 tokens)", "smollm2")]


def corpus_value(kind: str, upload, hub: str) -> str:
    if kind == "Upload a file":
        if not upload:
            raise LabError(tr("Choose a .txt, .csv or .jsonl file to upload first."))
        return upload if isinstance(upload, str) else upload.name
    if kind == "Hub dataset":
        if not (hub or "").strip():
            raise LabError(tr("Type a Hub dataset id such as owner/name, or pick the built-in tweets."))
        return hub.strip()
    return "tweets"


def start(runner, owner, base, vocab, kind, upload, hub, sample):
    try:
        cfg = TokenizerConfig(base=base, vocab_size=int(vocab or 0), corpus=corpus_value(kind, upload, hub),
                              sample=sample or "")
        tokenization.validate(cfg)
    except LabError as exc:
        return message_html(str(exc))
    refused = submit(runner, owner, "tokenizer", cfg)
    return message_html(refused) if refused else ""


def sample_html(sample: dict) -> str:
    return (chips_html(sample["old"], title=tr("Old tokenizer: {n} tokens", n=len(sample["old"])))
            + chips_html(sample["new"], title=tr("New tokenizer: {n} tokens", n=len(sample["new"]))))


def summary_html(r: dict) -> str:
    saved = 1 - r["tokens_per_text_new"] / r["tokens_per_text_old"]
    per_text = tr("{old:.2f} old → {new:.2f} new", old=r["tokens_per_text_old"], new=r["tokens_per_text_new"])
    rows = [(tr("Training time"), tr("{seconds:.2f} s on {texts:,} texts", seconds=r["seconds"], texts=r["train_texts"])),
            (tr("Final vocabulary"), tr("{size:,} tokens (asked for {target:,})", size=r["vocab_size"],
                                        target=r["target_vocab_size"])),
            (tr("Tokens per held-out text"), per_text + (tr(" ({saved:+.1%} fewer)", saved=saved) if saved >= 0 else "")),
            (tr("Shared vocabulary"), tr("{overlap:.1%} of the new tokens are also in the old vocabulary",
                                         overlap=r["overlap"]))]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="lab-table" id="tok-summary-table">{body}</table>'


def new_tokens_html(r: dict) -> str:
    chips = chips_html([[t, f"×{n}"] for t, n in r["new_tokens"]],
                       title=tr("Most used new tokens that the old vocabulary lacks (count on held-out texts)"))
    return chips


def render(events, snap):
    progress = next((e for e in reversed(events) if e["type"] == "progress"), None)
    bar = ""
    if progress and progress["total"]:
        share = progress["done"] / progress["total"]
        bar = (f'<div class="lab-caption">'
               + tr("Texts fed to train_new_from_iterator: {done:,} / {total:,}", done=progress["done"],
                    total=progress["total"])
               + f'</div><div class="lab-bar-track"><span class="lab-bar-fill" style="width:{share * 100:.0f}%"></span></div>')
    result = snap.get("result") if snap["status"] == "done" else None
    if not result:
        return [bar, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()]
    return [bar, summary_html(result), sample_html(result["sample"]), new_tokens_html(result),
            gr.update(value=result["zip"], visible=True), snap["id"]]


def retokenize(token, run_id, text):
    if not run_id:
        return message_html(tr("Train a tokenizer first; then edit the sentence to compare."), "info")
    try:
        return sample_html(tokenization.compare_sample(run_id, text, viewer=owner_of(token)))
    except LabError as exc:
        return message_html(str(exc))


def build(runner, owner) -> dict:
    gr.Markdown("Retrain a tokenizer's vocabulary on a corpus with `tokenizer.train_new_from_iterator(batches, "
                "vocab_size)`: the algorithm (WordPiece or byte-level BPE), the normaliser and the special tokens "
                "stay; the vocabulary is learnt from the corpus. Then compare old and new on held-out texts.")
    with gr.Row():
        with gr.Column(scale=2):
            base = gr.Radio(BASES, value="minilm", label="Base tokenizer", info=help_text(TokenizerConfig, "base"),
                            elem_id="tok-base")
            vocab = gr.Number(8000, label="Target vocabulary size", precision=0,
                              info=help_text(TokenizerConfig, "vocab_size"), elem_id="tok-vocab")
            kind = gr.Radio(CORPORA, value=CORPORA[0], label="Corpus", elem_id="tok-corpus")
            upload = gr.File(label="Upload (.txt, .csv or .jsonl with a text column)", visible=False,
                             file_types=[".txt", ".csv", ".jsonl"], elem_id="tok-upload")
            hub = gr.Textbox(label="Hub dataset id (online only)", placeholder="owner/name", visible=False,
                             elem_id="tok-hub")
            go = gr.Button("Train tokenizer", variant="primary", elem_id="tokenizer-train")
            note = gr.HTML("", elem_id="tok-note")
        with gr.Column(scale=3):
            outputs = [gr.HTML("", elem_id="tok-progress"), gr.HTML("", elem_id="tok-summary"),
                       gr.HTML("", elem_id="tok-sample-chips"), gr.HTML("", elem_id="tok-new-tokens"),
                       gr.File(label="Download the tokenizer (zip)", visible=False, elem_id="tok-download"),
                       gr.State(None)]
            sample = gr.Textbox(TokenizerConfig.sample, label="Sample sentence (edit it and press Enter)",
                                elem_id="tok-sample")
    panel = job_panel(runner, "tokenizer", owner, outputs, render)
    kind.change(lambda k: (gr.update(visible=k == CORPORA[1]), gr.update(visible=k == CORPORA[2])), kind, [upload, hub])
    go.click(with_lang(lambda *a: start(runner, *a)), [owner, base, vocab, kind, upload, hub, sample, lang_box()], note,
             queue=False, js=LANG_JS, api_name="train_tokenizer")
    sample.submit(with_lang(retokenize), [owner, outputs[-1], sample, lang_box()], outputs[2], js=LANG_JS)
    return {"base": base, "vocab": vocab, "train": go, "note": note, "summary": outputs[1], **panel}
