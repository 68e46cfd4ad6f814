"""Soft prompting (peft prompt tuning): trainable virtual-token embeddings before the text.

The whole model is frozen; only the prompt vectors (num_virtual_tokens x hidden) and the head learn.
"""
from __future__ import annotations

from lab.errors import LabError

NAME = "prompt"
LABEL = "Prompt tuning"
LEARNING_RATE = 3e-2  # a handful of vectors steering a frozen model need large steps
EXPORT = None
NO_EXPORT_REASON = "the virtual tokens are not weights of the model; saved as the prompt vectors only"
MAX_PROMPT_TOKENS = 100


def check(model, cfg) -> None:
    if not 1 <= cfg.prompt_tokens <= MAX_PROMPT_TOKENS:
        raise LabError(f"Prompt tuning needs between 1 and {MAX_PROMPT_TOKENS} virtual tokens; "
                       f"{cfg.prompt_tokens} is not.")
    room = model.config.max_position_embeddings - cfg.max_length
    if cfg.prompt_tokens > room:
        raise LabError(f"{cfg.prompt_tokens} virtual tokens plus {cfg.max_length} text tokens exceed this "
                       f"model's {model.config.max_position_embeddings} positions; shorten one.")


def prepare(model, cfg):
    from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model

    check(model, cfg)
    config = PromptTuningConfig(task_type=TaskType.SEQ_CLS, num_virtual_tokens=cfg.prompt_tokens,
                                prompt_tuning_init=PromptTuningInit.RANDOM)
    return get_peft_model(model, config)
