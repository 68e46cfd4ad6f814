""""The code" each tab and method runs, read from the lab's own source files, so it cannot drift.

The functions are cut out of the source with `ast` (no import: the page need not load torch to
show them), exactly as they are on disk; a test checks each named piece exists and is the code that
runs (the same text `inspect.getsource` gives for the imported object).
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # lab/

# what each method runs: (file under lab/, top-level names in order)
METHOD_CODE = {
    "full": ("kinds/finetune/methods/full.py", ["prepare"]),
    "head": ("kinds/finetune/methods/head.py", ["features", "sentence_vector", "SentenceClassifier", "prepare"]),
    "selective": ("kinds/finetune/methods/selective.py", ["prepare"]),
    "adapter": ("kinds/finetune/methods/adapter.py", ["FeatureAdapter", "prepare"]),
    "lora": ("kinds/finetune/methods/lora.py", ["lora_config", "prepare"]),
    "lora_scratch": ("kinds/finetune/methods/lora_scratch.py", ["LoRALayer", "LinearWithLoRA", "replace_linear_with_lora", "prepare"]),
    "qlora": ("kinds/finetune/methods/qlora.py", ["load_kwargs", "prepare"]),
    "dora": ("kinds/finetune/methods/dora.py", ["dora_config", "prepare"]),
    "adalora": ("kinds/finetune/methods/adalora.py", ["schedule", "adalora_config", "prepare", "callbacks"]),
    "prompt": ("kinds/finetune/methods/prompt.py", ["prepare"]),
}
TAB_CODE = {  # tab -> [(file under lab/, names)]
    "tokenizer": [("kinds/tokenizer.py", ["train_tokenizer"])],
    "pretrain": [("kinds/pretrain/job.py", ["build_model", "pretrain_job"])],
    "finetune": [("kinds/finetune/models.py", ["load_base"]), ("kinds/finetune/job.py", ["train_method"])],
    "sft": [("kinds/causal/common.py", ["lora_config", "trl_settings"]), ("kinds/causal/sft.py", ["build_trainer"])],
    "dpo": [("kinds/causal/dpo.py", ["dpo_job"])],
    "rl": [("kinds/causal/rlhf.py", ["train_reward_model", "reward_model_scores", "label_reward", "optimise_policy"])],
}


@functools.lru_cache(maxsize=32)
def _definitions(relative: str) -> dict[str, str]:
    source = (ROOT / relative).read_text()
    lines = source.splitlines()
    # whole lines, so a comment at the end of the last line stays (get_source_segment would cut it)
    return {node.name: "\n".join(lines[node.lineno - 1 - len(node.decorator_list):node.end_lineno])
            for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}


def source_of(relative: str, names: list[str]) -> str:
    found = _definitions(relative)
    missing = [n for n in names if n not in found]
    if missing:
        raise KeyError(f"lab/{relative} has no {', '.join(missing)}")
    header = f"# lab/{relative}\n"
    return header + "\n\n\n".join(found[n] for n in names) + "\n"


def method_code(name: str) -> str:
    relative, names = METHOD_CODE[name]
    return source_of(relative, names)


def tab_code(tab: str) -> str:
    return "\n\n".join(source_of(relative, names) for relative, names in TAB_CODE[tab])


def methods_code(names: list[str]) -> str:
    """The code of every ticked method, one after another."""
    return "\n\n".join(method_code(n) for n in names if n in METHOD_CODE)
