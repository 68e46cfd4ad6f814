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
FINETUNE_METHODS = ("full", "head", "selective", "adapter", "lora", "lora_scratch", "qlora", "prompt")
FINETUNE_DEFAULT_METHODS = "full,head,lora,qlora"
FINETUNE_MAX_STEPS = 2000


@dataclass
class FinetuneConfig:
    methods: str = _f(FINETUNE_DEFAULT_METHODS, "Methods to compare, comma-separated, run one after another: "
                      + ", ".join(FINETUNE_METHODS) + ".")
    base: str = _f("minilm", "The base model: minilm (packaged), a pre-training run (run:<id>) or a Hub id when online.")
    dataset: str = _f("tweets", "tweets (built-in, negative/positive), an uploaded .csv/.jsonl with text and label "
                      "columns, or a Hub dataset id when online.")
    steps: int = _f(48, "Optimizer steps per method; every method sees the same batches in the same order.")
    batch_size: int = _f(16, "Examples per step.")
    max_length: int = _f(64, "Longest input in tokens; batches are padded only to their own longest text.")
    eval_size: int = _f(400, "Held-out examples scored after training (accuracy and F1); 0 uses them all.")
    seed: int = _f(0, "One seed for data order, dropout and new weights, shared by every method.")
    learning_rate: float = _f(0.0, "0 gives each method its own tuned rate; any other value is used for all.")
    lora_r: int = _f(8, "LoRA rank r: A is r x in, B is out x r.")
    lora_alpha: int = _f(16, "LoRA alpha: the update B A is scaled by alpha / r.")
    lora_dropout: float = _f(0.05, "Dropout on the LoRA branch's input.")
    target_modules: str = _f("query,value", "Linear layers that get LoRA, by name, comma-separated (BERT: query, key, "
                             "value, dense).")
    top_k_layers: int = _f(2, "Selective fine-tuning: how many of the top encoder layers train with the head.")
    adapter_size: int = _f(32, "Bottleneck adapter: the width it squeezes each hidden vector down to.")
    prompt_tokens: int = _f(10, "Prompt tuning: how many trainable virtual tokens go before the text.")
    save_models: bool = _f(True, "Save each trained model (or adapter) as a run, in safetensors.")

    def method_list(self) -> list[str]:
        return [m.strip() for m in self.methods.split(",") if m.strip()]

    def target_list(self) -> list[str]:
        return [t.strip() for t in self.target_modules.split(",") if t.strip()]



# --- SFT and DPO tab (issue 5) --------------------------------------------------------------------
