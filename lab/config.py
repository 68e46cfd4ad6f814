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
SFT_METHODS = ("lora", "full")
SFT_DEFAULT_LR = {"lora": 2e-3, "full": 5e-5}  # LoRA's few new weights need a larger step than full
DPO_DEFAULT_LR = {"lora": 2e-3, "full": 1e-5}
MAX_SFT_STEPS = 2000


@dataclass
class CausalRunConfig:
    """Settings SFT and DPO share: the model, the data, the method, the evaluation."""
    model: str = _f("smollm2", "The causal LM to tune: smollm2 (packaged), a lab run (run:<id>), a folder or a Hub id.")
    dataset: str = _f("tweets", "tweets (the built-in sentiment task), the path of an uploaded .jsonl, or hub:<owner/name> when the Hub answers.")
    method: str = _f("lora", "lora trains small adapter matrices beside frozen weights; full trains every weight.")
    steps: int = _f(60, "Optimizer steps to train.")
    batch_size: int = _f(4, "Examples per step.")
    learning_rate: float = _f(0.0, "Step size of AdamW; 0 picks the method's default.")
    max_length: int = _f(128, "Tokens kept per example; longer ones are cut at the end (with a notice).")
    lora_r: int = _f(8, "Rank of the LoRA matrices (LoRA only).")
    lora_alpha: int = _f(16, "LoRA scaling numerator: the update is scaled by alpha / r (LoRA only).")
    lora_targets: str = _f("q_proj,v_proj", "Comma-separated module names that get LoRA adapters.")
    train_size: int = _f(1000, "How many training examples to use at most.")
    eval_size: int = _f(32, "Held-out prompts answered before and after training (never trained on).")
    max_new_tokens: int = _f(3, "Tokens generated per held-out answer (greedy); a label needs only a few.")
    human_marker: str = _f("### Human:", "The marker that starts a prompt in the built-in task and in uploaded 'text' rows.")
    assistant_marker: str = _f("### Assistant:", "The marker after which the answer starts; the loss is taken only after it.")
    instruction: str = _f("What is the sentiment of this tweet?", "The question the built-in task asks before each tweet.")
    seed: int = _f(0, "Random seed for the data order and the new weights.")


@dataclass
class SFTRunConfig(CausalRunConfig):
    """Supervised fine-tuning with trl's SFTTrainer, loss on the completion (or assistant turns) only."""


@dataclass
class DPORunConfig(CausalRunConfig):
    """Direct preference optimisation with trl's DPOTrainer on (prompt, chosen, rejected) pairs."""
    steps: int = _f(30, "Optimizer steps to train.")
    batch_size: int = _f(4, "Preference pairs per step.")
    beta: float = _f(0.1, "How far DPO may move from the reference model: smaller lets it move further.")
