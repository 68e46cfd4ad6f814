"""Tab 2: train a new vocabulary with `train_new_from_iterator` and compare it with its base, token by token."""
from __future__ import annotations

import html

import gradio as gr

from lab import tokenization
from lab.config import TokenizerConfig, help_text
from lab.errors import LabError
from lab.ui.common import chips_html, job_panel, message_html, owner_of, submit

CORPORA = ["Built-in tweets", "Upload a file", "Hub dataset"]
BASES = [("MiniLM: WordPiece, BERT uncased (30,522 tokens)", "minilm"),
         ("SmolLM2: byte-level BPE (49,152 tokens)", "smollm2")]


def corpus_value(kind: str, upload, hub: str) -> str:
    if kind == "Upload a file":
        if not upload:
            raise LabError("Choose a .txt, .csv or .jsonl file to upload first.")
        return upload if isinstance(upload, str) else upload.name
    if kind == "Hub dataset":
        if not (hub or "").strip():
            raise LabError("Type a Hub dataset id such as owner/name, or pick the built-in tweets.")
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
    return (chips_html(sample["old"], title=f"Old tokenizer: {len(sample['old'])} tokens")
            + chips_html(sample["new"], title=f"New tokenizer: {len(sample['new'])} tokens"))


def summary_html(r: dict) -> str:
    saved = 1 - r["tokens_per_text_new"] / r["tokens_per_text_old"]
    rows = [("Training time", f"{r['seconds']:.2f} s on {r['train_texts']:,} texts"),
            ("Final vocabulary", f"{r['vocab_size']:,} tokens (asked for {r['target_vocab_size']:,})"),
            ("Tokens per held-out text", f"{r['tokens_per_text_old']:.2f} old → {r['tokens_per_text_new']:.2f} new "
                                         f"({saved:+.1%} fewer)" if saved >= 0 else
                                         f"{r['tokens_per_text_old']:.2f} old → {r['tokens_per_text_new']:.2f} new"),
            ("Shared vocabulary", f"{r['overlap']:.1%} of the new tokens are also in the old vocabulary")]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="lab-table" id="tok-summary-table">{body}</table>'


def new_tokens_html(r: dict) -> str:
    chips = chips_html([[t, f"×{n}"] for t, n in r["new_tokens"]],
                       title="Most used new tokens that the old vocabulary lacks (count on held-out texts)")
    return chips


def render(events, snap):
    progress = next((e for e in reversed(events) if e["type"] == "progress"), None)
    bar = ""
    if progress and progress["total"]:
        share = progress["done"] / progress["total"]
        bar = (f'<div class="lab-caption">Texts fed to train_new_from_iterator: {progress["done"]:,} / '
               f'{progress["total"]:,}</div><div class="lab-bar-track"><span class="lab-bar-fill" '
               f'style="width:{share * 100:.0f}%"></span></div>')
    result = snap.get("result") if snap["status"] == "done" else None
    if not result:
        return [bar, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()]
    return [bar, summary_html(result), sample_html(result["sample"]), new_tokens_html(result),
            gr.update(value=result["zip"], visible=True), snap["id"]]


def retokenize(token, run_id, text):
    if not run_id:
        return message_html("Train a tokenizer first; then edit the sentence to compare.", "info")
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
    go.click(lambda *a: start(runner, *a), [owner, base, vocab, kind, upload, hub, sample], note, queue=False,
             api_name="train_tokenizer")
    sample.submit(retokenize, [owner, outputs[-1], sample], outputs[2])
    return {"base": base, "vocab": vocab, "train": go, "note": note, "summary": outputs[1], **panel}
