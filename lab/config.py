"""Settings of every run, as dataclasses with defaults and a help text per field.

The UI builds one of these from its widgets; the CLI builds the same from its flags; the library
only ever reads the dataclass. `help_text(Config, "field")` gives the text shown beside a widget.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


def _f(default, help: str, **kw):
    return field(default=default, metadata={"help": help}, **kw)


def help_text(config_class, name: str) -> str:
    for f in fields(config_class):
        if f.name == name:
            return f.metadata.get("help", "")
    raise KeyError(name)


# --- pipeline tab (issue 2) ----------------------------------------------------------------------
PIPELINE_TASKS = ("sentence-similarity", "text-generation", "text-classification", "fill-mask",
                  "question-answering", "zero-shot-classification", "summarization")
MAX_INPUT_CHARS = 2000


@dataclass
class PipelineConfig:
    task: str = _f("sentence-similarity", "What the pipeline does; each task has its own default model.")
    model: str = _f("", "A packaged model (minilm, smollm2), a lab run (run:<id>) or a Hub id; empty for the task's default.")
    text: str = _f("", "The input text (for question answering: the question).")
    text2: str = _f("", "The second sentence (similarity), the context (question answering) or the candidate labels, comma-separated (zero-shot).")
    max_new_tokens: int = _f(64, "How many tokens text generation may add.")
    temperature: float = _f(0.0, "0 picks the most likely token every time; higher samples more freely.")


# --- tokenizer and pre-training tabs (issue 3) ---------------------------------------------------


# --- fine-tuning comparison tab (issue 4) --------------------------------------------------------


# --- SFT and DPO tab (issue 5) --------------------------------------------------------------------
